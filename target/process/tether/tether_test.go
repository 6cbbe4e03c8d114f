package tether

// Tests of what Start adds and keeps; that a tethered child dies with a
// SIGKILLed parent, and lives on while the parent's threads end, is tested
// where children are started: target/process, ab and cmd/haktop.

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
)

// TestStartKeepsSysProcAttr: the child gets the parent-death signal and
// keeps the caller's attributes (its own process group here); the channel
// gets Wait's error, and ProcessState is set once it has.
func TestStartKeepsSysProcAttr(t *testing.T) {
	cmd := exec.Command("sh", "-c", "exit 3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	waited, err := Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.SysProcAttr.Pdeathsig != syscall.SIGKILL || !cmd.SysProcAttr.Setpgid {
		t.Errorf("SysProcAttr %+v: want Pdeathsig SIGKILL and Setpgid kept", cmd.SysProcAttr)
	}
	var ee *exec.ExitError
	if err := <-waited; !errors.As(err, &ee) || cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("waited: %v, state %v: want exit status 3", err, cmd.ProcessState)
	}
}

// TestStartError: a command that cannot start is Start's error, as
// cmd.Start's; Run returns it too.
func TestStartError(t *testing.T) {
	if _, err := Start(exec.Command("/nonexistent/haktop-test")); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Start: %v, want ENOENT", err)
	}
	if err := Run(exec.Command("/nonexistent/haktop-test")); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Run: %v, want ENOENT", err)
	}
	if err := Run(exec.Command("true")); err != nil {
		t.Errorf("Run(true): %v", err)
	}
}
