//go:build unix

package pglocal

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// errUnsupported is nil: Linux and macOS run the server binaries.
var errUnsupported error

// runAs is the OS user the server runs as when inboxctl runs as root.
type runAs = syscall.Credential

// postgresUser is the postgres OS user, given dir: initdb refuses root.
func postgresUser(dir string) (*runAs, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and there is no 'postgres' OS user to run the private server as (initdb refuses root)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// chownTo gives path to cred's user (nothing when cred is nil).
func chownTo(path string, cred *runAs) error {
	if cred == nil {
		return nil
	}
	return os.Chown(path, int(cred.Uid), int(cred.Gid))
}

func runAsUser(cmd *exec.Cmd, cred *runAs) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
}

// alive reports whether process pid exists.
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }
