package live

// The live Engine against a real allocator and workload: frames, pause with
// exact counters, workers, workload cycling, the per-worker filter, gate
// toggles as restarts, and recordings read back through sampler.Load.

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

func newTestEngine(t *testing.T, name string, prof bool) *Engine {
	t.Helper()
	spec := workload.DefaultSpec(name)
	spec.Cycles = 0
	e, err := NewEngine(EngineConfig{
		Spec: spec, Alloc: embedded.DefaultConfig(), Interval: 20 * time.Millisecond, Profile: prof,
		Window: profile.MinWindow, Dir: t.TempDir(),
		Now: func() time.Time { return time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// waitFrame returns the first frame after seq that satisfies ok.
func waitFrame(t *testing.T, e *Engine, after uint64, what string, ok func(Frame) bool) Frame {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if f := e.Frame(); f.Seq > after && ok(f) {
			return f
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no frame with %s within 10s", what)
	return Frame{}
}

func apply(t *testing.T, e *Engine, c Command) string {
	t.Helper()
	text, err := e.Apply(c)
	if err != nil {
		t.Fatalf("command %+v: %v", c, err)
	}
	return text
}

func TestEngineFramesPauseAndExactCounters(t *testing.T) {
	skipWithoutCounters(t)
	e := newTestEngine(t, workload.TinyHot, false)
	// Ops and the allocator's counters are published apart: wait for a
	// frame whose interval saw both, as the engine's own active does.
	f := waitFrame(t, e, 0, "ops and allocator calls", func(f Frame) bool {
		return f.OpsPerSec > 0 && slices.ContainsFunc(f.Classes, func(c ClassRow) bool { return c.Values[f.Column(target.RoleCalls)] > 0 })
	})
	if f.Workload != workload.TinyHot || f.Workers != 1 || len(f.Classes) != allocator.NumClasses || len(f.Gates) != len(allocator.Gates) {
		t.Fatalf("frame: %s, %d workers, %d classes, %d gates", f.Workload, f.Workers, len(f.Classes), len(f.Gates))
	}
	for i, c := range f.Classes {
		if busy := allocsPerSec(f, i) > 0; busy != (c.Class == "C3") { // tiny_hot: 64 B blocks only
			t.Errorf("%s: alloc/s %v", c.Class, allocsPerSec(f, i))
		}
	}

	apply(t, e, Command{Kind: CmdTogglePause})
	frozen := e.Frame()
	if !frozen.Status.Paused {
		t.Fatal("status not paused")
	}
	tot := allocSnapshot(e).Totals()
	if calls, cycles := tot.AllocCalls+tot.FreeCalls, uint64(e.run.Cycles()); calls != cycles {
		t.Errorf("paused: allocator counted %d calls, workload %d cycles", calls, cycles)
	}
	time.Sleep(100 * time.Millisecond)
	if later := e.Frame(); later.Seq != frozen.Seq || later.OpsPerSec != frozen.OpsPerSec {
		t.Errorf("view not frozen: seq %d -> %d", frozen.Seq, later.Seq)
	}
	if again := allocSnapshot(e); again.Totals() != tot {
		t.Error("counters moved while paused")
	}
	apply(t, e, Command{Kind: CmdTogglePause})
	waitFrame(t, e, frozen.Seq, "ops after resume", func(f Frame) bool { return !f.Status.Paused && f.OpsPerSec > 0 })
}

func TestEngineWorkersWorkloadAndFilter(t *testing.T) {
	e := newTestEngine(t, workload.TinyHot, false)
	seq := waitFrame(t, e, 0, "a first frame", func(Frame) bool { return true }).Seq
	apply(t, e, Command{Kind: CmdWorkers, Arg: 1})
	seq = waitFrame(t, e, seq, "2 workers", func(f Frame) bool { return f.Workers == 2 }).Seq

	apply(t, e, Command{Kind: CmdWorkerFilter})
	f := waitFrame(t, e, seq, "worker 0's ops", func(f Frame) bool { return f.Status.Worker == 0 && f.OpsPerSec > 0 })
	apply(t, e, Command{Kind: CmdWorkerFilter})
	if w := e.Frame().Status.Worker; w != 1 {
		t.Errorf("second t: showing worker %d, want 1", w)
	}
	apply(t, e, Command{Kind: CmdWorkerFilter})
	if w := e.Frame().Status.Worker; w != -1 {
		t.Errorf("third t: showing worker %d, want all (-1)", w)
	}

	if _, err := e.Apply(Command{Kind: CmdWorkers, Arg: -2}); err == nil {
		t.Error("0 workers accepted")
	}
	apply(t, e, Command{Kind: CmdCycleWorkload})
	f = waitFrame(t, e, f.Seq, "mid_pool", func(f Frame) bool { return f.Workload == workload.MidPool && f.OpsPerSec > 0 })
	if f.Workers != 2 || f.Status.Worker != -1 {
		t.Errorf("after w: %d workers, filter %d", f.Workers, f.Status.Worker)
	}
}

func TestEngineGateToggleIsRecorded(t *testing.T) {
	skipWithoutCounters(t)
	e := newTestEngine(t, workload.MidPool, false)
	seq := waitFrame(t, e, 0, "a first frame", func(Frame) bool { return true }).Seq
	started := apply(t, e, Command{Kind: CmdRecord})
	want := filepath.Join(e.cfg.Dir, "haktop-session-20260102-150405.jsonl")
	if started != "recording to "+want || e.Frame().Status.Recording != want {
		t.Fatalf("r: %q, status %q", started, e.Frame().Status.Recording)
	}
	seq = waitFrame(t, e, seq+2, "samples recorded", func(Frame) bool { return true }).Seq

	if got := apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_ENABLED"}); got != "restarted: HAKMEM_POOL_V2_ENABLED 0 -> 1" {
		t.Errorf("g: %q", got)
	}
	f := waitFrame(t, e, seq, "pool v2 active", func(f Frame) bool {
		for _, g := range f.Gates {
			if g.Env == "HAKMEM_POOL_V2_ENABLED" {
				return g.Value == "1" && g.Source == "code" && g.Verdict == profile.Active
			}
		}
		return false
	})
	waitFrame(t, e, f.Seq+2, "more samples", func(Frame) bool { return true })
	stopped := apply(t, e, Command{Kind: CmdRecord})
	if !strings.HasPrefix(stopped, "saved "+want) || e.Frame().Status.Recording != "" {
		t.Fatalf("second r: %q", stopped)
	}

	rec, err := sampler.Load(want)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Footer == nil || rec.Footer.Reason != "stopped" || len(rec.Warnings) != 0 {
		t.Fatalf("footer %+v, warnings %v", rec.Footer, rec.Warnings)
	}
	var restart *sampler.Event
	for i := range rec.Events {
		if rec.Events[i].Kind == sampler.EventRestart {
			restart = &rec.Events[i]
		}
	}
	if restart == nil || restart.Message != "HAKMEM_POOL_V2_ENABLED 0 -> 1" || restart.Epoch != 1 {
		t.Fatalf("restart event: %+v", restart)
	}
	for _, g := range restart.Gates {
		if g.Env == "HAKMEM_POOL_V2_ENABLED" && (g.Value != "1" || g.Source != "code") {
			t.Errorf("restart event gate: %+v", g)
		}
	}
	last := rec.Samples[len(rec.Samples)-1]
	if rec.Samples[0].Epoch != 0 || last.Epoch != 1 || last.Snap.Paths[allocator.PathPoolV2Alloc] == 0 {
		t.Errorf("epochs %d..%d, pool v2 hits %d", rec.Samples[0].Epoch, last.Epoch, last.Snap.Paths[allocator.PathPoolV2Alloc])
	}
}

// TestEngineGateCycle: g steps a gate through (*allocator.Gate).Next on the
// running allocator: a mask goes to its next value, not only 0 and all,
// comes back to the default with source default, and a preset is applied
// to the gates it sets, as the environment would apply it.
func TestEngineGateCycle(t *testing.T) {
	e := newTestEngine(t, workload.TinyHot, false)
	cfg := func() allocator.Config {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.alloc.Config().Allocator()
	}
	for _, want := range []string{"0x00", "0x01", "0x02", "0x04", "0x08", "0x10", "0x20", "0x40", "0x7F"} {
		apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_CLASSES"})
		v, src := cfg().Value("HAKMEM_POOL_V2_CLASSES")
		if wantSrc := map[bool]allocator.Source{true: allocator.SourceDefault, false: allocator.SourceCode}[want == "0x7F"]; v != want || src != wantSrc {
			t.Fatalf("after g: %s (%s), want %s (%s)", v, src, want, wantSrc)
		}
	}
	if msg := apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_PROFILE"}); msg != "restarted: HAKMEM_PROFILE default -> lean" {
		t.Errorf("g on HAKMEM_PROFILE: %q", msg)
	}
	c := cfg()
	if v, src := c.Value("HAKMEM_SS_MEM_LEAN"); v != "1" || src != allocator.SourceProfile || !c.SSMemLean || c.TinyCacheCap != 64 {
		t.Errorf("lean preset not applied: HAKMEM_SS_MEM_LEAN %s (%s), cache cap %d", v, src, c.TinyCacheCap)
	}
	if _, err := e.Apply(Command{Kind: CmdToggleGate, Env: "HAKMEM_NOPE"}); err == nil {
		t.Error("unknown gate accepted")
	}
}

func TestEngineCloseFinalisesRecording(t *testing.T) {
	e := newTestEngine(t, workload.TinyHot, false)
	waitFrame(t, e, 0, "a first frame", func(Frame) bool { return true })
	apply(t, e, Command{Kind: CmdRecord})
	path := e.Frame().Status.Recording
	waitFrame(t, e, e.Frame().Seq+2, "samples", func(Frame) bool { return true })
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := sampler.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Footer == nil || rec.Footer.Reason != "quit" || len(rec.Samples) < 2 {
		t.Errorf("footer %+v, %d samples", rec.Footer, len(rec.Samples))
	}
	if _, err := e.Apply(Command{Kind: CmdTogglePause}); err == nil {
		t.Error("a closed engine accepted a command")
	}
}

func TestEngineProfilesAndExports(t *testing.T) {
	skipWithoutCounters(t)
	e := newTestEngine(t, workload.RandomMixed, true)
	if !e.Frame().Status.Profiling {
		t.Skip("CPU profiler busy: " + e.Frame().Status.Note)
	}
	f := waitFrame(t, e, 0, "CPU attribution", func(f Frame) bool {
		for _, p := range f.Paths {
			if p.Key == profile.KeyDispatch && p.CPUPercent > 0 { // Alloc and Free, the fast paths inlined
				return true
			}
		}
		return false
	})
	total := 0.0
	for _, p := range f.Paths {
		total += p.CPUPercent
	}
	if total < 99.9 || total > 100.1 {
		t.Errorf("CPU shares add up to %.2f%%", total)
	}
	// Paused, the counters hold still, so the counter profile must match
	// them exactly.
	apply(t, e, Command{Kind: CmdTogglePause})
	got := apply(t, e, Command{Kind: CmdExport})
	cpu := filepath.Join(e.cfg.Dir, "haktop-cpu-20260102-150405.pb.gz")
	counters := filepath.Join(e.cfg.Dir, "haktop-counters-20260102-150405.pb.gz")
	if got != "wrote "+cpu+" and "+counters {
		t.Fatalf("e: %q", got)
	}
	p := parseProfile(t, cpu)
	if len(p.Sample) == 0 {
		t.Error("the CPU profile has no samples")
	}
	p = parseProfile(t, counters)
	tot := allocSnapshot(e).Totals()
	sums := map[string]int64{}
	for _, s := range p.Sample {
		for i, st := range p.SampleType {
			sums[st.Type] += s.Value[i]
		}
	}
	if sums["alloc_calls"] != int64(tot.AllocCalls) || sums["free_calls"] != int64(tot.FreeCalls) || tot.AllocCalls == 0 {
		t.Errorf("counter profile: alloc_calls %d, free_calls %d; allocator: %d, %d", sums["alloc_calls"], sums["free_calls"], tot.AllocCalls, tot.FreeCalls)
	}
}

func parseProfile(t *testing.T, path string) *pprofile.Profile {
	t.Helper()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := pprofile.Parse(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := p.CheckValid(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// CPU samples taken before a gate toggle must not count against the new
// gates: pool v2 ran until the toggle, and afterwards it is OFF, not
// INCONSISTENT.
func TestEngineRestartDoesNotInheritCPU(t *testing.T) {
	e := newTestEngine(t, workload.MidPool, true)
	if !e.Frame().Status.Profiling {
		t.Skip("CPU profiler busy: " + e.Frame().Status.Note)
	}
	apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_ENABLED"})
	verdict := func(f Frame) profile.Verdict {
		for _, g := range f.Gates {
			if g.Env == "HAKMEM_POOL_V2_ENABLED" {
				return g.Verdict
			}
		}
		return ""
	}
	// Let pool v2 burn CPU through a few profile windows, then switch it off.
	f := waitFrame(t, e, 0, "pool v2 CPU", func(f Frame) bool {
		for _, p := range f.Paths {
			if p.Key == "pool_v2_alloc" && p.CPUPercent > 0 {
				return verdict(f) == profile.Active
			}
		}
		return false
	})
	apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_ENABLED"})
	// Four whole windows after the toggle, however long a loaded machine
	// takes to close them; a collector that stopped closing windows fails
	// the test instead of hanging it.
	windows := e.coll.Windows()
	for deadline := time.Now().Add(60 * time.Second); e.coll.Windows() < windows+4; {
		if v := verdict(e.Frame()); v == profile.Inconsistent {
			t.Fatalf("after the toggle off: %s", v)
		}
		if err := e.coll.Err(); err != nil {
			t.Fatalf("after the toggle off, the collector stopped at window %d of %d: %v", e.coll.Windows(), windows+4, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the toggle off: %d of the 4 profile windows closed within 60s", e.coll.Windows()-windows)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if f = e.Frame(); verdict(f) != profile.Off {
		t.Errorf("pool v2 after the toggle off: %s", verdict(f))
	}
}

// skipWithoutCounters skips a test that reads counters under haktop_nostats.
func skipWithoutCounters(t *testing.T) {
	t.Helper()
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !a.Snapshot().StatsCompiled {
		t.Skip("counters compiled out (haktop_nostats)")
	}
}

// A restart is a new epoch: the history bars of classes the old workload
// used must not carry over into the new one's frames.
func TestEngineRestartClearsHistory(t *testing.T) {
	skipWithoutCounters(t)
	e := newTestEngine(t, workload.RandomMixed, false)
	seq := waitFrame(t, e, 0, "C7 busy", func(f Frame) bool { return allocsPerSec(f, 7) > 0 }).Seq
	apply(t, e, Command{Kind: CmdCycleWorkload}) // random_mixed -> tiny_hot: C3 only
	f := waitFrame(t, e, seq, "tiny_hot running", func(f Frame) bool { return f.Workload == workload.TinyHot && f.OpsPerSec > 0 })
	for _, c := range f.Classes {
		if c.Class == "C3" {
			continue
		}
		for i, v := range c.History {
			if v != 0 {
				t.Errorf("%s: history[%d] = %v after the switch to tiny_hot, want 0 (stale bars)", c.Class, i, v)
				break
			}
		}
	}
}

// w takes the next workload's default workers unless the user chose a
// count with + or -: larson's 2 workers do not follow into large.
func TestNextWorkloadWorkers(t *testing.T) {
	next, kept := nextWorkload(workload.DefaultSpec(workload.Larson))
	if next.Name != workload.Large || next.Workers != 1 || kept {
		t.Errorf("larson -> %s with %d workers (kept %v), want large with 1", next.Name, next.Workers, kept)
	}
	chosen := workload.DefaultSpec(workload.TinyHot)
	chosen.Workers = 3
	next, kept = nextWorkload(chosen)
	if next.Name != workload.MidPool || next.Workers != 3 || !kept {
		t.Errorf("tiny_hot on 3 workers -> %s with %d (kept %v), want mid_pool with 3, kept", next.Name, next.Workers, kept)
	}
	next, kept = nextWorkload(workload.DefaultSpec(workload.MidPool))
	if next.Name != workload.Larson || next.Workers != 2 || kept {
		t.Errorf("mid_pool -> %s with %d (kept %v), want larson with its 2", next.Name, next.Workers, kept)
	}
}

// TestEngineWarningsInEveryFrame: the setup warnings the CLI hands over
// (HAKMEM_* variables no gate declares) stay on screen, restarts included.
func TestEngineWarningsInEveryFrame(t *testing.T) {
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Cycles = 0
	warn := []string{"HAKMEM_POOL_V2_ENABLE ignored: did you mean HAKMEM_POOL_V2_ENABLED?"}
	e, err := NewEngine(EngineConfig{Spec: spec, Alloc: embedded.DefaultConfig(), Interval: 20 * time.Millisecond, Dir: t.TempDir(), Warnings: warn})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got := e.Frame().Status.Warnings; !slices.Equal(got, warn) {
		t.Errorf("first frame's warnings %q, want %q", got, warn)
	}
	apply(t, e, Command{Kind: CmdToggleGate, Env: "HAKMEM_SS_MEM_LEAN"})
	if got := e.Frame().Status.Warnings; !slices.Equal(got, warn) {
		t.Errorf("after a restart, warnings %q, want %q", got, warn)
	}
}

// The per-worker CPU split is rounded by largest remainder, like the whole
// profile's: three workers' rows whose shares are thirds still add up to
// exactly 100.00%, for one worker and for all of them.
func TestWorkerAttributionAddsUpTo100(t *testing.T) {
	rows := func(cpu ...time.Duration) []profile.Row {
		out := make([]profile.Row, len(cpu))
		for i, c := range cpu {
			out[i] = profile.Row{Key: strconv.Itoa(i), Samples: 1, CPU: c}
		}
		return out
	}
	a := profile.Attribution{Workers: []profile.WorkerRows{
		{Workload: "random_mixed", Worker: "0", Samples: 3, CPU: 3, Rows: rows(1, 1, 1)},
		{Workload: "random_mixed", Worker: "1", Samples: 3, CPU: 6, Rows: rows(2, 2, 2)},
		{Workload: "random_mixed", Worker: "2", Samples: 3, CPU: 5, Rows: rows(1, 2, 2)},
		{Workload: "other", Worker: "0", Samples: 3, CPU: 7, Rows: rows(7, 0, 0)},
	}}
	for _, worker := range []int{-1, 0, 2} {
		got := workerAttribution(a, "random_mixed", worker)
		if got == nil {
			t.Fatalf("worker %d: no attribution", worker)
		}
		var sum int64
		for _, r := range got.Rows {
			sum += r.BasisPoints
		}
		if sum != 10000 {
			t.Errorf("worker %d: shares %v add up to %d basis points, want 10000", worker, got.Rows, sum)
		}
	}
	if got := workerAttribution(a, "random_mixed", 0); got.Rows[0].BasisPoints != 3334 || got.Rows[1].BasisPoints != 3333 {
		t.Errorf("worker 0: %d and %d basis points, want 3334 and 3333", got.Rows[0].BasisPoints, got.Rows[1].BasisPoints)
	}
}

// v's command: an int gate set to a typed value restarts on it; a bad
// value is refused with the accepted forms and nothing restarts.
func TestEngineSetGate(t *testing.T) {
	e := newTestEngine(t, workload.TinyHot, false)
	if msg := apply(t, e, Command{Kind: CmdSetGate, Env: "HAKMEM_TINY_CACHE_CAP", Value: "64"}); msg != "restarted: HAKMEM_TINY_CACHE_CAP 512 -> 64" {
		t.Errorf("set: %q", msg)
	}
	e.mu.Lock()
	c := e.alloc.Config().Allocator()
	epoch := e.epoch
	e.mu.Unlock()
	if v, src := c.Value("HAKMEM_TINY_CACHE_CAP"); v != "64" || src != allocator.SourceCode || c.TinyCacheCap != 64 {
		t.Errorf("after set: %s (%s), cap %d", v, src, c.TinyCacheCap)
	}
	const bad = `HAKMEM_TINY_CACHE_CAP="7" is not valid: want an integer from 8 to `
	if err := e.CheckGate("HAKMEM_TINY_CACHE_CAP", "7"); err == nil || !strings.HasPrefix(err.Error(), bad) {
		t.Errorf("CheckGate 7: %v", err)
	}
	if _, err := e.Apply(Command{Kind: CmdSetGate, Env: "HAKMEM_TINY_CACHE_CAP", Value: "7"}); err == nil || !strings.HasPrefix(err.Error(), bad) {
		t.Errorf("set 7: %v", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.epoch != epoch {
		t.Error("a refused value restarted the allocator")
	}
}

// Files lists every file r and e wrote, once each, in order.
func TestEngineFilesWritten(t *testing.T) {
	e := newTestEngine(t, workload.TinyHot, false)
	waitFrame(t, e, 0, "a first frame", func(Frame) bool { return true })
	if got := e.Files(); len(got) != 0 {
		t.Fatalf("files before any: %v", got)
	}
	apply(t, e, Command{Kind: CmdRecord})
	apply(t, e, Command{Kind: CmdExport})
	apply(t, e, Command{Kind: CmdExport}) // the same second: the same file again
	apply(t, e, Command{Kind: CmdRecord})
	want := []string{
		filepath.Join(e.cfg.Dir, "haktop-session-20260102-150405.jsonl"),
		filepath.Join(e.cfg.Dir, "haktop-counters-20260102-150405.pb.gz"),
	}
	if got := e.Files(); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	for _, f := range want {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
}

// allocSnapshot reads e's allocator now in its own layout (exact totals).
func allocSnapshot(e *Engine) allocator.Snapshot {
	snap, schema := e.alloc.Snapshot(), e.alloc.Schema()
	return embedded.Allocator(&schema, &snap)
}
