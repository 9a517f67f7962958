package edgeproc

import "syscall"

// procAttr puts the appliance in its own process group (a terminal's ^C
// reaches only the lab, which then stops the appliance with SIGTERM and
// lets it drain) and has the kernel send it SIGTERM if the lab dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
