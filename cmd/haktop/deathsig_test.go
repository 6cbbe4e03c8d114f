package main

// Tests that `record -- CMD` never leaves CMD behind: a haktop (this test
// binary again, in the mode deathsigChildEnv asks for, running run() as
// main does) is SIGKILLed, and CMD, orphaned to the test as its child
// subreaper, must be gone, killed by its parent-death signal; and CMD runs
// to its own end while that haktop's OS threads come and go.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/process/processtest"
)

// deathsigChildEnv, set, makes the test below it a haktop: its value is
// the argument list (JSON) for run; with deathsigChurnEnv set too, it ends
// OS threads all along: batches of 32 goroutines that lock their thread,
// sleep (so each needs a thread of its own, idle ones first) and exit.
const (
	deathsigChildEnv = "HAKTOP_TEST_DEATHSIG_ARGS"
	deathsigChurnEnv = "HAKTOP_TEST_DEATHSIG_CHURN"
)

// deathsigChild runs the haktop side when the test binary is one.
func deathsigChild() {
	args := os.Getenv(deathsigChildEnv)
	if args == "" {
		return
	}
	var argv []string
	json.Unmarshal([]byte(args), &argv)
	if os.Getenv(deathsigChurnEnv) != "" {
		go func() {
			for {
				var wg sync.WaitGroup
				for range 32 {
					wg.Go(func() { runtime.LockOSThread(); time.Sleep(5 * time.Millisecond) })
				}
				wg.Wait()
			}
		}()
	}
	os.Exit(exitCode(os.Stderr, run(os.Stdout, os.Stderr, argv)))
}

// startHaktop starts this test binary as `haktop ARGS...` running test.
func startHaktop(t *testing.T, test string, churn bool, args ...string) *exec.Cmd {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), deathsigChildEnv+"="+string(argv))
	if churn {
		cmd.Env = append(cmd.Env, deathsigChurnEnv+"=1")
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestRecordCommandDiesWithHaktop SIGKILLs `haktop record -- sh -c 'echo
// $$; exec sleep 1000'` once CMD has printed its pid: CMD must be killed
// by SIGKILL within 5 s, not sleep on.
func TestRecordCommandDiesWithHaktop(t *testing.T) {
	deathsigChild()
	if testing.Short() {
		t.Skip("starts a haktop process")
	}
	cProgs(t) // the shim's cache, the runtime dir
	processtest.Subreaper(t)
	dir := t.TempDir()
	output := filepath.Join(dir, "cmd.out")
	h := startHaktop(t, "TestRecordCommandDiesWithHaktop", false, "record", "-o", filepath.Join(dir, "s.jsonl"), "--output", output,
		"--interval", "10ms", "--", "sh", "-c", "echo $$; exec sleep 1000")
	pid := 0
	for deadline := time.Now().Add(30 * time.Second); pid == 0; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(output)
		if line, ok := strings.CutSuffix(string(b), "\n"); ok {
			pid, _ = strconv.Atoi(line)
		}
		if pid == 0 && time.Now().After(deadline) {
			h.Process.Kill()
			h.Wait()
			t.Fatalf("CMD printed no pid in 30 s: %q", b)
		}
	}
	h.Process.Signal(syscall.SIGKILL)
	h.Wait()
	ws, ok := processtest.WaitOrphan(t, pid, 5*time.Second)
	if !ok {
		t.Fatalf("CMD (pid %d) still ran 5 s after haktop record was SIGKILLed", pid)
	}
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("CMD ended with wait status %#x, want killed by SIGKILL (its parent-death signal)", ws)
	}
}

// TestRecordCommandOutlivesHaktopsThreads records `sh -c 'sleep 1.5; exit
// 7'` in a haktop whose OS threads end all along: CMD must end on its own,
// with exit 7 in the footer and as haktop's status, not be killed with a
// thread.
func TestRecordCommandOutlivesHaktopsThreads(t *testing.T) {
	deathsigChild()
	if testing.Short() {
		t.Skip("starts a haktop process")
	}
	cProgs(t)
	out := filepath.Join(t.TempDir(), "s.jsonl")
	h := startHaktop(t, "TestRecordCommandOutlivesHaktopsThreads", true, "record", "-o", out, "--interval", "10ms",
		"--", "sh", "-c", "sleep 1.5; exit 7")
	err := h.Wait()
	if h.ProcessState.ExitCode() != 7 {
		t.Errorf("haktop record ended with %v, want CMD's exit status 7", err)
	}
	rec, err := sampler.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Footer == nil || rec.Footer.Exit == nil || rec.Footer.Exit.Code != 7 || rec.Footer.Exit.Signal != "" {
		t.Fatalf("footer %+v: want CMD's own exit 7", rec.Footer)
	}
}
