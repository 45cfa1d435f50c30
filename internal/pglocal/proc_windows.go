package pglocal

import (
	"errors"
	"os/exec"
)

// errUnsupported: the private server listens on a unix socket in its
// directory and is run as the postgres user when root, which inboxctl does
// on Linux and macOS only.
var errUnsupported = errors.New("inboxctl cannot start a private PostgreSQL on Windows: run demo, bench and the tests on Linux or macOS (or in WSL), or set INBOXCTL_DATABASE_URL to a server you run")

type runAs struct{}

func postgresUser(string) (*runAs, error) { return nil, errUnsupported }

func chownTo(string, *runAs) error { return nil }

func runAsUser(*exec.Cmd, *runAs) {}

func dieWithParent(*exec.Cmd) {}

func alive(int) bool { return false }
