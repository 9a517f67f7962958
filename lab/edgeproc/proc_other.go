//go:build !linux

package edgeproc

import "syscall"

// procAttr puts the appliance in its own process group.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
