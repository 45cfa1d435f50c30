//go:build unix && !linux

package pglocal

import "os/exec"

// dieWithParent does nothing: macOS (like the BSDs) has no parent-death
// signal, so a server whose inboxctl is killed outright (SIGKILL) keeps
// running until its directory's pg_ctl stops it; Close stops it on every
// other exit.
func dieWithParent(*exec.Cmd) {}
