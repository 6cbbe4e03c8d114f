package main

// Tests that `record -- CMD` never leaves CMD behind: a haktop (this test
// binary again, in the mode deathsigChildEnv asks for, running run() as
// main does) is SIGKILLed, and CMD, orphaned to the test as its child
// subreaper, must be gone, killed by its parent-death signal; and CMD runs
// to its own end while that haktop's OS threads come and go.

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// haktopChild says how startHaktop starts a haktop.
type haktopChild struct {
	churn bool // end OS threads all along (deathsigChurnEnv)
	nohup bool // with SIGHUP ignored, as nohup starts a program
}

// startHaktop starts this test binary as `haktop ARGS...` running test.
func startHaktop(t *testing.T, test string, how haktopChild, args ...string) *exec.Cmd {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	if how.nohup { // an ignored signal stays ignored through exec
		cmd = exec.Command("sh", "-c", `trap "" HUP; exec "$0" "$@"`, os.Args[0], "-test.run=^"+test+"$")
	}
	cmd.Env = append(os.Environ(), deathsigChildEnv+"="+string(argv))
	if how.churn {
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
	h := startHaktop(t, "TestRecordCommandDiesWithHaktop", haktopChild{}, "record", "-o", filepath.Join(dir, "s.jsonl"), "--output", output,
		"--interval", "10ms", "--", "sh", "-c", "echo $$; exec sleep 1000")
	pid := processtest.PrintedPid(t, "CMD", output, 30*time.Second, h)
	processtest.DiesWithParent(t, h, pid, "CMD", "haktop record")
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
	h := startHaktop(t, "TestRecordCommandOutlivesHaktopsThreads", haktopChild{churn: true}, "record", "-o", out, "--interval", "10ms",
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

// TestRecordCommandHangUp: a hang-up (the terminal closed) stops CMD as
// Ctrl-C does: SIGTERM, the footer says interrupted and how CMD ended, and
// haktop exits with CMD's status, 143. Under nohup (SIGHUP ignored when
// haktop starts) the hang-up is ignored: CMD runs on until SIGTERM.
func TestRecordCommandHangUp(t *testing.T) {
	deathsigChild()
	if testing.Short() {
		t.Skip("starts a haktop process")
	}
	cProgs(t)
	for _, nohup := range []bool{false, true} {
		t.Run(map[bool]string{false: "terminal", true: "nohup"}[nohup], func(t *testing.T) {
			dir := t.TempDir()
			out, output := filepath.Join(dir, "s.jsonl"), filepath.Join(dir, "cmd.out")
			h := startHaktop(t, "TestRecordCommandHangUp", haktopChild{nohup: nohup}, "record", "-o", out, "--output", output,
				"--interval", "10ms", "--", "sh", "-c", "echo $$; exec sleep 1000")
			pid := processtest.PrintedPid(t, "CMD", output, 30*time.Second, h)
			h.Process.Signal(syscall.SIGHUP)
			if nohup {
				time.Sleep(300 * time.Millisecond)
				if err := syscall.Kill(pid, 0); err != nil {
					t.Fatalf("CMD ended after a hang-up under nohup: %v", err)
				}
				h.Process.Signal(syscall.SIGTERM)
			}
			err := h.Wait()
			if h.ProcessState.ExitCode() != 128+int(syscall.SIGTERM) {
				t.Errorf("haktop record ended with %v, want CMD's status 143 (killed by SIGTERM)", err)
			}
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("CMD (pid %d) after haktop exited: kill(0) says %v, want ESRCH (reaped)", pid, err)
			}
			rec, err := sampler.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if f := rec.Footer; f == nil || f.Reason != "interrupted" || f.Exit == nil || f.Exit.Signal != "SIGTERM" {
				t.Fatalf("footer %+v: want interrupted, CMD killed by SIGTERM", f)
			}
		})
	}
}
