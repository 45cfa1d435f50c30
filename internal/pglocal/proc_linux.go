package pglocal

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel send the server SIGQUIT (immediate
// shutdown) when this process dies, even when it is killed outright.
func dieWithParent(cmd *exec.Cmd) { cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT }
