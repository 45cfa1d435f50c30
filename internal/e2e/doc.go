// Package e2e holds inboxctl's end-to-end tests: they build the real binary
// and run it against a real PostgreSQL, through testscript scripts under
// testdata/script (off a terminal) and through a pseudo-terminal.
package e2e
