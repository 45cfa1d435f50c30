// Command inboxctl is the command-line admin tool for a shared team inbox.
package main

import "github.com/inboxctl/inboxctl/cmd"

func main() { cmd.Execute() }
