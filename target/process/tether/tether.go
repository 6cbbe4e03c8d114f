// Package tether starts haktop's child processes so that they die with haktop:
// however haktop's process ends, SIGKILL included, the kernel kills them.
package tether

// tether.go owns the rule, for every child that could outlive haktop (CMD of
// `run -- CMD` and `record -- CMD` through target/process, ab's bench
// children): the child gets a parent-death signal (PR_SET_PDEATHSIG, set
// by Go's forkAndExecInChild between fork and exec), and it is forked and
// reaped on one goroutine locked to its OS thread.
//
// Why the locked thread: Linux sends the parent-death signal when the
// *thread* that forked the child exits, not the process (go.dev/issue/27505).
// The Go runtime ends threads whenever it likes (an idle one, or the thread
// of a goroutine that exits locked), so a plain Pdeathsig would kill the
// child while haktop runs on. Here the forking goroutine locks its thread,
// never unlocks it, and stays blocked in the wait for the child, so that
// thread ends only once the child is reaped (then, locked, it exits with
// the goroutine: nothing is left to signal) or when haktop's process dies
// (then the signal fires, as wanted). A thread costs little next to a
// child process.
//
// The race where haktop dies between the fork and the prctl: Go's child
// compares getppid() after PR_SET_PDEATHSIG with the pid the parent had
// before the fork and, if they differ (the parent is gone and the child
// re-parented), sends itself the signal (syscall/exec_linux.go).
//
// What the signal reaches: only the child itself. The parent-death signal
// is not inherited by the child's own children (they are orphaned, to init
// or a subreaper, and run on), and the kernel clears it when the child
// changes credentials (a set-user-ID program, setuid()).

import (
	"os/exec"
	"runtime"
	"syscall"
)

// Signal is the parent-death signal. SIGKILL, not SIGTERM: a child may
// ignore or handle SIGTERM and run on, and a paused child (haktop run's
// space sends SIGSTOP) would hold a SIGTERM pending until a SIGCONT that
// nobody may be left to send (the kernel's SIGHUP and SIGCONT to a stopped
// orphaned process group do not come when a subreaper in haktop's session
// adopts the child, and SIGHUP may be ignored); SIGKILL ends both. It is the last resort for a
// haktop that could not stop its child itself (SIGKILL, a crash, the OOM
// killer): its orderly exits send SIGTERM first and give a grace period.
// Go's check for the fork race may send the signal twice, which SIGKILL
// makes harmless.
const Signal = syscall.SIGKILL

// Start starts cmd (as cmd.Start) with Signal as its parent-death signal,
// keeping cmd.SysProcAttr's other fields, and waits for it (as cmd.Wait)
// on the thread that forked it. The channel gets Wait's error once cmd
// has ended and been reaped; only then are cmd.ProcessState and its
// output complete. Call nothing else that waits for cmd.
func Start(cmd *exec.Cmd) (<-chan error, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = Signal
	started := make(chan error, 1)
	waited := make(chan error, 1)
	go func() {
		// Never unlocked: the thread must live as long as the child, and
		// it ends with this goroutine, after the child is reaped.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		waited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return waited, nil
}

// Run starts cmd as Start does and waits for it: cmd.Run tethered.
func Run(cmd *exec.Cmd) error {
	waited, err := Start(cmd)
	if err != nil {
		return err
	}
	return <-waited
}
