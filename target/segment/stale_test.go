package segment

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeSegmentDir makes a haktop-* directory in dir holding a segment file
// whose header has magic m and creator pid, as a haktop that died without
// Close leaves it.
func fakeSegmentDir(t *testing.T, dir, name, m string, pid int) string {
	t.Helper()
	d := filepath.Join(dir, name)
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	h := make([]byte, headerSize)
	copy(h[hMagic:], m)
	le.PutUint32(h[hCreator:], uint32(pid))
	if err := os.WriteFile(filepath.Join(d, "segment"), h, 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// deadPID is the pid of a process that has ended and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if err := unix.Kill(pid, 0); !errors.Is(err, unix.ESRCH) {
		t.Skipf("pid %d of an ended process is in use again", pid)
	}
	return pid
}

// TestCreateReapsStaleSegments: a haktop killed with SIGKILL cannot remove
// its segment's directory; the next Create in the same runtime dir removes
// every haktop segment directory whose creator has died, and leaves those
// of live creators and anything that is not a haktop segment.
func TestCreateReapsStaleSegments(t *testing.T) {
	run := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", run)
	dead := fakeSegmentDir(t, run, "haktop-dead", magic, deadPID(t))
	live := fakeSegmentDir(t, run, "haktop-live", magic, os.Getpid())
	init := fakeSegmentDir(t, run, "haktop-init", magic, 1)
	foreign := fakeSegmentDir(t, run, "haktop-foreign", "NOTHAKTP", deadPID(t))
	other := fakeSegmentDir(t, run, "other-dead", magic, deadPID(t))
	s, err := Create(0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("%s (its creator is dead) is still there: %v", dead, err)
	}
	for _, d := range []string{live, init, foreign, other, filepath.Dir(s.Path())} {
		if _, err := os.Stat(filepath.Join(d, "segment")); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}
