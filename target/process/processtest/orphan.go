package processtest

// orphan.go owns the tests' view of a program whose parent (a haktop the
// test killed) is gone: the test process becomes the child subreaper, so
// the orphan is re-parented to it and the test reaps it and reads how it
// ended, whatever the machine's init does with orphans (in a container, pid
// 1 may never reap them, and a zombie still answers kill(pid, 0)); and how
// the test learns the orphan's pid (PrintedPid) and that it died with its
// parent (DiesWithParent).

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Subreaper makes the test process the child subreaper
// (PR_SET_CHILD_SUBREAPER) until t ends: a process orphaned meanwhile by a
// descendant's death becomes the test's child, for WaitOrphan.
func Subreaper(t testing.TB) {
	t.Helper()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", err)
	}
	t.Cleanup(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })
}

// PrintedPid waits up to d for the pid that who, a program the test
// started through helper, writes to path as a line of its own (echo $$),
// and returns it. With none by then it kills helper (if any) and fails t.
func PrintedPid(t testing.TB, who, path string, d time.Duration, helper *exec.Cmd) int {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		if line, ok := strings.CutSuffix(string(b), "\n"); ok {
			if pid, err := strconv.Atoi(line); err == nil {
				return pid
			}
		}
		if time.Now().After(deadline) {
			if helper != nil {
				helper.Process.Kill()
				helper.Wait()
			}
			t.Fatalf("%s printed no pid in %v: %q", who, d, b)
		}
	}
}

// DiesWithParent SIGKILLs parent, a helper process the test started,
// and checks that pid, which parent started (an orphan re-parented to the
// test by Subreaper), is killed by SIGKILL, its parent-death signal,
// within 5 s; child and parentName name the two in the failures.
func DiesWithParent(t testing.TB, parent *exec.Cmd, pid int, child, parentName string) {
	t.Helper()
	parent.Process.Signal(syscall.SIGKILL)
	parent.Wait()
	ws, ok := WaitOrphan(t, pid, 5*time.Second)
	if !ok {
		t.Fatalf("%s (pid %d) still ran 5 s after %s was SIGKILLed", child, pid, parentName)
	}
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("%s ended with wait status %#x, want killed by SIGKILL (its parent-death signal)", child, ws)
	}
}

// WaitOrphan waits up to d for pid, an orphan re-parented to the test by
// Subreaper, to end, reaps it and returns how it ended. If it still runs
// after d, WaitOrphan SIGKILLs its process group and it, reaps it, and
// returns ok false: the orphan outlived its parent (or was never the
// test's: the test did not call Subreaper before its parent died).
func WaitOrphan(t testing.TB, pid int, d time.Duration) (ws syscall.WaitStatus, ok bool) {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if err == nil && got == pid {
			return ws, true
		}
		if err != nil && !errors.Is(err, syscall.EINTR) && !errors.Is(err, syscall.ECHILD) {
			t.Fatalf("wait4(%d): %v", pid, err)
		}
		// ECHILD: not re-parented to the test (yet)
		if time.Now().After(deadline) {
			break
		}
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	syscall.Kill(pid, syscall.SIGKILL)
	for {
		if _, err := syscall.Wait4(pid, &ws, 0, nil); !errors.Is(err, syscall.EINTR) {
			return ws, false
		}
	}
}
