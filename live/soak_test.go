package live

// TestSoak drives one live session through many restarts — gate toggles,
// workload switches, worker changes — with recordings started and stopped
// along the way, and checks that nothing piles up: goroutines and open
// files (/proc/self/fd) at the end are no more than at the start, nor are
// the process's mappings (/proc/self/maps lines) beyond what the Go
// runtime adds by itself (see grew), and every recording reads back whole,
// with one restart event per restart it spanned. A plain go test runs
// -soak-ops (100) operations; .ci/run runs 1,000 under -race.

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

var soakOps = flag.Int("soak-ops", 100, "operations TestSoak applies to the live session (.ci/run: 1000)")

// soakGates are the gates the soak toggles: a path switch, lean mode
// (superslab unmaps), the stats dump (a file written at each restart) and
// the tiny cache size.
var soakGates = []string{"HAKMEM_POOL_V2_ENABLED", "HAKMEM_SS_MEM_LEAN", "HAKMEM_POOL_V2_STATS", "HAKMEM_TINY_CACHE_CAP"}

// resources are the counts that must not grow, and the OS threads.
type resources struct{ maps, goroutines, fds, threads int }

func (r resources) String() string {
	return fmt.Sprintf("%d mappings, %d goroutines, %d open files, %d threads", r.maps, r.goroutines, r.fds, r.threads)
}

// runtimeSlack is how many mappings the Go runtime may add on its own over
// a soak: its heap metadata and, under -race, the detector's grow in
// chunks of their own (a few lines over 1,000 restarts when measured). A
// session that leaked one superslab, arena or large block per restart
// would add hundreds.
const runtimeSlack = 8

// grew reports whether r has more of anything than start. Mappings may
// also grow with the OS threads: the Go runtime keeps every thread it
// starts, and with cgo linked (the TUI's terminfo brings os/user) each new
// one maps a stack and its guard page, and may get a malloc arena and its
// reserve: up to 4 mappings per thread.
func (r resources) grew(start resources) bool {
	return r.maps > start.maps+4*max(0, r.threads-start.threads)+runtimeSlack || r.goroutines > start.goroutines || r.fds > start.fds
}

func measure(t *testing.T) resources {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip("no /proc/self/maps")
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	threads, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Skip("no /proc/self/task")
	}
	return resources{strings.Count(string(maps), "\n"), runtime.NumGoroutine(), len(fds), len(threads)}
}

func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a live session many times")
	}
	dir := t.TempDir()
	clock := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Cycles = 0
	e, err := NewEngine(EngineConfig{
		Spec: spec, Alloc: embedded.DefaultConfig(), Interval: sampler.MinInterval, Dir: dir,
		// Every file name is its own second, so no recording overwrites another.
		Now: func() time.Time { clock = clock.Add(time.Second); return clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	base := allocator.DefaultConfig()
	do := func(c Command) {
		t.Helper()
		if _, err := e.Apply(c); err != nil {
			t.Fatalf("command %+v: %v", c, err)
		}
	}
	// back returns the session to tiny_hot, one worker, default gates.
	back := func() {
		t.Helper()
		for e.currentSpec().Name != workload.TinyHot {
			do(Command{Kind: CmdCycleWorkload})
		}
		if w := e.currentSpec().Workers; w != 1 {
			do(Command{Kind: CmdWorkers, Arg: 1 - w})
		}
		cfg := e.currentConfig()
		for _, env := range soakGates {
			want, _ := base.Value(env)
			if v := cfg.Value(env); v != want {
				do(Command{Kind: CmdSetGate, Env: env, Value: want})
			}
		}
	}

	// soak applies n operations: gate toggles, workload switches, worker
	// changes and filters, and a recording started or stopped every 50.
	// It returns the restarts and, per recording, the restarts it spanned.
	soak := func(n int) (restarts int, spans []int) {
		recording, inRecording := false, 0
		for i := range n {
			before := e.epochNow()
			switch i % 10 {
			case 0, 3, 6:
				do(Command{Kind: CmdToggleGate, Env: soakGates[i/10%len(soakGates)]})
			case 1, 5:
				do(Command{Kind: CmdCycleWorkload})
			case 2, 7:
				do(Command{Kind: CmdWorkers, Arg: 1})
			case 4, 8:
				if e.currentSpec().Workers > 2 { // larson needs 2
					do(Command{Kind: CmdWorkers, Arg: -1})
				} else {
					do(Command{Kind: CmdWorkers, Arg: 1})
				}
			case 9:
				if i%50 == 9 {
					do(Command{Kind: CmdRecord})
					if recording {
						spans = append(spans, inRecording)
					}
					recording, inRecording = !recording, 0
				} else {
					do(Command{Kind: CmdWorkerFilter})
				}
			}
			if e.epochNow() != before {
				restarts++
				if recording {
					inRecording++
				}
			}
		}
		if recording {
			do(Command{Kind: CmdRecord})
			spans = append(spans, inRecording)
		}
		back()
		return restarts, spans
	}

	// The same operations first, so what is cached or pooled (the
	// allocator's arenas, the runtime's heap and OS threads) reaches its
	// steady size before counting.
	soak(100)
	warmFiles := len(e.Files())
	runtime.GC()
	start := measure(t)
	startMaps, _ := os.ReadFile("/proc/self/maps")
	restarts, spans := soak(*soakOps)

	// Stopped goroutines and closed files go away promptly, but not at
	// once: give them a moment before calling it growth.
	var end resources
	for deadline := time.Now().Add(5 * time.Second); ; {
		runtime.GC()
		end = measure(t)
		if !end.grew(start) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d operations, %d restarts, %d recordings: start %v; end %v", *soakOps, restarts, len(spans), start, end)
	if end.grew(start) {
		endMaps, _ := os.ReadFile("/proc/self/maps")
		t.Errorf("resources grew: start %v, end %v; mappings at the start:\n%s\nat the end:\n%s", start, end, startMaps, endMaps)
	}

	// Every recording reads whole, with one restart event per restart.
	var recs []string
	for _, f := range e.Files()[warmFiles:] {
		if strings.HasSuffix(f, ".jsonl") {
			recs = append(recs, f)
		}
	}
	if len(recs) != len(spans) {
		t.Fatalf("%d recordings written, %d made", len(recs), len(spans))
	}
	for i, path := range recs {
		rec, err := sampler.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, ev := range rec.Events {
			if ev.Kind == sampler.EventRestart {
				got++
			}
		}
		if rec.Footer == nil || len(rec.Warnings) != 0 || got != spans[i] {
			t.Errorf("%s: footer %v, warnings %q, %d restart events; want a footer, no warnings, %d restarts", filepath.Base(path), rec.Footer != nil, rec.Warnings, got, spans[i])
		}
	}
}

// epochNow returns the session's counter epoch: it moves on at each restart.
func (e *Engine) epochNow() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.epoch
}
