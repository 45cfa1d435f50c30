// Package e2e holds inboxctl's end-to-end tests against a real PostgreSQL:
// the testscript scripts under testdata/script run inboxctl off a terminal
// as this test binary itself (testscript.Main with cmd.Execute), and the
// terminal, signal and release tests run the real binary, built once, on a
// pseudo-terminal or with release flags.
package e2e
