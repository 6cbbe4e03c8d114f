package live

// TestSIGKILLLiveRecording kills a process whose live session records
// while it restarts without pause (a gate toggle after another), at 20
// moments drawn from a seeded generator, so kills land while a restart's
// event or a sample is written. Each recording must read exactly to its
// last whole record, with a warning that it was cut short.
// (cmd/haktop's TestSIGKILLRecord does the same for haktop record.)

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/sampler/samplertest"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

const liveKillDirEnv = "HAKTOP_LIVE_KILL_DIR"

func TestSIGKILLLiveRecording(t *testing.T) {
	if dir := os.Getenv(liveKillDirEnv); dir != "" {
		restartForever(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts and kills 20 child processes")
	}
	rng := rand.New(rand.NewPCG(17, 20))
	const kills = 20
	ok, restarts := 0, 0
	for i := range kills {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestSIGKILLLiveRecording$")
		cmd.Env = append(os.Environ(), liveKillDirEnv+"="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		path := ""
		deadline := time.Now().Add(30 * time.Second)
		for path == "" || wholeLines(t, path) < 2 { // the header and a first record
			if m, _ := filepath.Glob(filepath.Join(dir, "haktop-session-*.jsonl")); len(m) > 0 {
				path = m[0]
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("kill %d: no recording after 30s", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		good, n := checkCutRecording(t, path)
		if good {
			ok++
		}
		restarts += n
	}
	t.Logf("%d/%d live recordings killed among restarts read to their last whole record with a warning (%d restart events read)", ok, kills, restarts)
	if ok != kills || restarts == 0 {
		t.Fatalf("only %d/%d read cleanly, with %d restarts", ok, kills, restarts)
	}
}

// wholeLines counts the whole lines path holds so far.
func wholeLines(t *testing.T, path string) int {
	t.Helper()
	whole, _, _ := samplertest.WholeLines(t, path)
	return len(whole)
}

// checkCutRecording reports whether path reads to its last whole record
// (samplertest) without a footer, and how many restarts it read.
func checkCutRecording(t *testing.T, path string) (bool, int) {
	t.Helper()
	rec, ok := samplertest.ReadsToLastWholeRecord(t, path)
	if rec == nil {
		return false, 0
	}
	restarts := 0
	for _, ev := range rec.Events {
		if ev.Kind == sampler.EventRestart {
			restarts++
		}
	}
	if rec.Footer != nil {
		t.Errorf("%s: a session killed while it records has a footer", path)
		return false, restarts
	}
	return ok, restarts
}

// restartForever is the child: a live session recording into dir while
// it toggles a gate over and over, each toggle a restart, until killed.
func restartForever(dir string) {
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Cycles = 0
	e, err := NewEngine(EngineConfig{Spec: spec, Alloc: embedded.DefaultConfig(), Interval: sampler.MinInterval, Dir: dir})
	if err != nil {
		os.Exit(3)
	}
	if _, err := e.Apply(Command{Kind: CmdRecord}); err != nil {
		os.Exit(3)
	}
	for {
		if _, err := e.Apply(Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_ENABLED"}); err != nil {
			os.Exit(3)
		}
	}
}
