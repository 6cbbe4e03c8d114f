package live

// HAKMEM_POOL_V2_STATS makes an allocator print its counters when it is
// closed. Under the screen nothing may write to the terminal: a restart's
// dump goes to a file the status line names, the last one to StatsOut.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

func TestEngineStatsDumpNeverReachesTheTerminal(t *testing.T) {
	term, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = term // what the allocator would write over the screen
	t.Cleanup(func() { os.Stderr = saved })

	cfg := embedded.DefaultConfig()
	if err := cfg.Set("HAKMEM_POOL_V2_STATS", "1"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var last bytes.Buffer
	e, err := NewEngine(EngineConfig{Spec: workload.DefaultSpec(workload.MidPool), Alloc: cfg, Interval: 20 * time.Millisecond,
		Dir: dir, StatsOut: &last, Now: func() time.Time { return time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	waitFrame(t, e, 0, "a first frame", func(Frame) bool { return true })
	// g on HAKMEM_POOL_V2_STATS: the old allocator (stats on) is closed.
	msg := apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_STATS"})
	file := filepath.Join(dir, "haktop-poolv2-stats-20260102-150405.txt")
	if want := "restarted: HAKMEM_POOL_V2_STATS 1 -> 0; HAKMEM_POOL_V2_STATS dump of the old allocator in " + file; msg != want {
		t.Errorf("status %q, want %q", msg, want)
	}
	if got := e.Files(); len(got) != 1 || got[0] != file {
		t.Errorf("Files() = %q, want the stats file", got)
	}
	dump, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(dump), "# the allocator before HAKMEM_POOL_V2_STATS 1 -> 0\n[POOL_V2_STATS] enabled=false") {
		t.Errorf("stats file:\n%s", dump)
	}
	apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_STATS"}) // on again: the last allocator dumps at Close
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(last.String(), "[POOL_V2_STATS] enabled=false") {
		t.Errorf("StatsOut after Close: %q", last.String())
	}
	if out, _ := os.ReadFile(term.Name()); len(out) != 0 {
		t.Errorf("the allocator wrote to the terminal under the screen:\n%s", out)
	}
}
