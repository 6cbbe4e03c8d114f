package profile

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/targettest"
	"github.com/haktop/haktop/workload"
)

func config(t *testing.T, kv ...string) allocator.Config {
	t.Helper()
	c := allocator.DefaultConfig()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := c.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// verdictsOf returns the verdicts of the embedded allocator's gates under cfg.
func verdictsOf(cfg allocator.Config, ev Evidence) []GateVerdict {
	s := embedded.Schema(cfg)
	return Verdicts(&s, ev)
}

// evidence returns Evidence with room for every path's hits and samples.
func evidence(counted, settled bool) Evidence {
	return Evidence{Hits: make([]uint64, allocator.NumPaths), Samples: make([]int64, allocator.NumPaths), Counted: counted, Settled: settled}
}

func gate(t *testing.T, vs []GateVerdict, env string) GateVerdict {
	t.Helper()
	for _, v := range vs {
		if v.Env == env {
			return v
		}
	}
	t.Fatalf("no verdict for %s", env)
	return GateVerdict{}
}

func pathsOf(g GateVerdict) map[string]PathVerdict {
	m := map[string]PathVerdict{}
	for _, p := range g.Paths {
		m[p.Path] = p
	}
	return m
}

const v2 = "HAKMEM_POOL_V2_ENABLED"

func TestVerdictRules(t *testing.T) {
	settled := evidence(true, true)

	// Default: v2 is off, and HAKMEM_POOL_V2_CLASSES (on by itself) is
	// disabled through it.
	vs := verdictsOf(config(t), settled)
	if g := gate(t, vs, v2); g.Verdict != Off || g.Value != "0" || g.Source != "default" {
		t.Errorf("default %s = %+v, want OFF", v2, g)
	}
	cls := gate(t, vs, "HAKMEM_POOL_V2_CLASSES")
	if cls.Verdict != Off || pathsOf(cls)["pool_v2_alloc"].OffBy != v2 {
		t.Errorf("default classes gate = %+v, want OFF by %s", cls, v2)
	}
	for _, env := range []string{"HAKMEM_PROFILE", "HAKMEM_POOL_V2_STATS"} {
		if g := gate(t, vs, env); g.Verdict != NotApplicable || len(g.Paths) != 0 {
			t.Errorf("%s guards no path: got %+v", env, g)
		}
	}
	if g := gate(t, vs, "HAKMEM_TINY_CACHE_CAP"); g.Verdict != NeverExecuted {
		t.Errorf("tiny cache cap with zero hits = %s, want NEVER EXECUTED", g.Verdict)
	}

	// Enabled, nothing ran: NEVER EXECUTED once settled, WARMING UP before.
	on := config(t, v2, "1")
	if g := gate(t, verdictsOf(on, settled), v2); g.Verdict != NeverExecuted {
		t.Errorf("enabled, idle, settled = %s", g.Verdict)
	}
	if g := gate(t, verdictsOf(on, Evidence{Counted: true}), v2); g.Verdict != WarmingUp || g.Paths[0].Verdict != WarmingUp {
		t.Errorf("enabled, idle, not settled = %+v", g)
	}

	// Hits on one path: ACTIVE; the gate's other paths are IDLE, not
	// NEVER EXECUTED, since the gate acts through the one that ran.
	ev := evidence(true, true)
	ev.Hits[allocator.PathPoolV2Free] = 3
	g := gate(t, verdictsOf(on, ev), v2)
	ps := pathsOf(g)
	if g.Verdict != Active || ps["pool_v2_free"].Verdict != Active || ps["pool_v2_alloc"].Verdict != Idle || ps["pool_v2_free"].Hits != 3 {
		t.Errorf("hits on v2 free = %+v", g)
	}

	// Hits on a path the gate says is off: INCONSISTENT, on every gate guarding it.
	ev = evidence(true, false)
	ev.Hits[allocator.PathPoolV2Alloc] = 1
	off := verdictsOf(config(t, "HAKMEM_POOL_V2_CLASSES", "0"), ev)
	for _, env := range []string{v2, "HAKMEM_POOL_V2_CLASSES"} {
		g := gate(t, off, env)
		if g.Verdict != Inconsistent || pathsOf(g)["pool_v2_alloc"].Verdict != Inconsistent || pathsOf(g)["pool_v2_free"].Verdict != Off {
			t.Errorf("%s with a hit on a disabled path = %+v", env, g)
		}
	}
	// The gate's own value wins OffBy when several gates disable a path.
	if p := pathsOf(gate(t, off, "HAKMEM_POOL_V2_CLASSES"))["pool_v2_free"]; p.OffBy != "HAKMEM_POOL_V2_CLASSES" {
		t.Errorf("OffBy = %q, want the gate itself", p.OffBy)
	}
}

// TestSamplesAreNoEvidenceWithCounters: with counters, CPU samples on a
// path with no hits (an entry check that found nothing to do, code shared
// with other paths) never make it ACTIVE; they are shown, not counted.
func TestSamplesAreNoEvidenceWithCounters(t *testing.T) {
	ev := evidence(true, true)
	ev.Samples[allocator.PathTinyRefill] = 3
	ev.Samples[allocator.PathPoolV2Free] = 2
	vs := verdictsOf(config(t), ev)
	g := gate(t, vs, "HAKMEM_TINY_CACHE_CAP")
	if g.Verdict != NeverExecuted || pathsOf(g)["tiny_refill"].Samples != 3 {
		t.Errorf("0 hits and 3 samples on tiny_refill: %+v, want NEVER EXECUTED with the samples shown", g)
	}
	if g := gate(t, vs, v2); g.Verdict != Off {
		t.Errorf("samples on a path v2 switches off: %+v, want OFF (not evidence, so not INCONSISTENT)", g)
	}
}

// TestVerdictsWithoutCounters: built without counters every hit reads 0,
// so samples are the only evidence, and no sample is UNKNOWN, never NEVER
// EXECUTED.
func TestVerdictsWithoutCounters(t *testing.T) {
	ev := evidence(false, true)
	ev.Samples[allocator.PathPoolV2Alloc] = 2
	vs := verdictsOf(config(t, v2, "1"), ev)
	if g := gate(t, vs, v2); g.Verdict != Active || pathsOf(g)["pool_v2_free"].Verdict != Unknown {
		t.Errorf("no counters, samples on v2 alloc: %+v, want ACTIVE with v2 free UNKNOWN", g)
	}
	if g := gate(t, vs, "HAKMEM_TINY_CACHE_CAP"); g.Verdict != Unknown {
		t.Errorf("no counters, no samples: %s, want UNKNOWN", g.Verdict)
	}
	for _, g := range vs {
		for _, p := range g.Paths {
			if p.Verdict == NeverExecuted {
				t.Errorf("%s %s NEVER EXECUTED without counters", g.Env, p.Path)
			}
		}
	}
}

// TestDefaultSettingsRaiseNothing: on default gate values, what a live
// random_mixed session counts (tiny refills, no flush yet, no fallback)
// leaves no path NEVER EXECUTED: a cap of 0 switches the fallback's
// trigger off, and the flush is IDLE while the cap acts through refills.
func TestDefaultSettingsRaiseNothing(t *testing.T) {
	ev := evidence(true, true)
	ev.Hits[allocator.PathTinyFast] = 1e6
	ev.Hits[allocator.PathTinyRefill] = 22
	ev.Hits[allocator.PathPoolV1Alloc] = 5000
	ev.Hits[allocator.PathPoolV1Free] = 5000
	vs := verdictsOf(config(t), ev)
	for _, g := range vs {
		for _, p := range g.Paths {
			if p.Verdict == NeverExecuted {
				t.Errorf("default settings: %s %s NEVER EXECUTED", g.Env, p.Path)
			}
		}
	}
	if g := gate(t, vs, "HAKMEM_SS_MAX"); g.Verdict != Off || g.Paths[0].OffBy != "HAKMEM_SS_MAX" {
		t.Errorf("HAKMEM_SS_MAX=0 (no cap) = %+v, want OFF", g)
	}
	if g := gate(t, vs, "HAKMEM_TINY_CACHE_CAP"); g.Verdict != Active || pathsOf(g)["tiny_flush"].Verdict != Idle {
		t.Errorf("HAKMEM_TINY_CACHE_CAP = %+v, want ACTIVE with tiny_flush IDLE", g)
	}
	// A cap switches the fallback back on: then a fallback that never ran is news.
	if g := gate(t, verdictsOf(config(t, "HAKMEM_SS_MAX", "8"), ev), "HAKMEM_SS_MAX"); g.Verdict != NeverExecuted {
		t.Errorf("HAKMEM_SS_MAX=8 with no fallback = %s, want NEVER EXECUTED", g.Verdict)
	}
}

// TestSettled: warm-up is about whether the run finished. A finished run's
// zeros are final at any length; one still going or interrupted is not
// before WarmUp.
func TestSettled(t *testing.T) {
	for _, tc := range []struct {
		finished bool
		elapsed  time.Duration
		want     bool
	}{
		{true, 100 * time.Millisecond, true},
		{true, 0, true},
		{false, 100 * time.Millisecond, false},
		{false, WarmUp, true},
		{false, time.Second, true},
	} {
		if got := Settled(tc.finished, tc.elapsed); got != tc.want {
			t.Errorf("Settled(finished %v, %v) = %v, want %v", tc.finished, tc.elapsed, got, tc.want)
		}
	}
}

// TestREADMEStatesTheVerdictRule checks that README.md states the verdict
// rule in the words of this package's design comment, line for line.
func TestREADMEStatesTheVerdictRule(t *testing.T) {
	src, err := os.ReadFile("verdict.go")
	if err != nil {
		t.Fatal(err)
	}
	var rule []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "// The verdict rule") {
			in = true
			continue
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "//\t") && line != "//" {
			break
		}
		rule = append(rule, strings.TrimPrefix(strings.TrimPrefix(line, "//"), "\t"))
	}
	for len(rule) > 0 && rule[0] == "" {
		rule = rule[1:]
	}
	for len(rule) > 0 && rule[len(rule)-1] == "" {
		rule = rule[:len(rule)-1]
	}
	if len(rule) < 20 {
		t.Fatalf("found %d lines of the rule in verdict.go", len(rule))
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(rule, "\n"); !strings.Contains(string(readme), "\n"+want+"\n") {
		t.Errorf("README.md does not state the verdict rule of profile/verdict.go; want these lines:\n%s", want)
	}
}

// runWorkload runs spec to completion on a fresh allocator with cfg and
// returns the exact final snapshot; it skips the test when counters are
// compiled out.
func runWorkload(t *testing.T, cfg allocator.Config, spec workload.Spec) allocator.Snapshot {
	t.Helper()
	a, err := allocator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, err := workload.Start(context.Background(), a, spec)
	if err != nil {
		t.Fatal(err)
	}
	if res := r.Wait(); res.Err != nil {
		t.Fatal(res.Err)
	}
	snap := a.Snapshot()
	if !snap.StatsCompiled {
		t.Skip("counters compiled out (-tags haktop_nostats): no hits to test against")
	}
	return snap
}

// The ground truth of issue 5, on real workloads.
func TestVerdictGroundTruth(t *testing.T) {
	tiny := workload.DefaultSpec(workload.TinyHot)
	tiny.Cycles = 200_000
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 200_000
	mixed := workload.DefaultSpec(workload.RandomMixed)
	mixed.Cycles = 200_000
	for _, tc := range []struct {
		name string
		cfg  allocator.Config
		spec workload.Spec
		env  string
		want Verdict
	}{
		{"v2 on, tiny_hot", config(t, v2, "1"), tiny, v2, NeverExecuted},
		{"v2 on, mid_pool", config(t, v2, "1"), mid, v2, Active},
		{"v2 on without P0, random_mixed", config(t, v2, "1", "HAKMEM_POOL_V2_CLASSES", "0x7E"), mixed, "HAKMEM_POOL_V2_CLASSES", NeverExecuted},
		{"v2 on, random_mixed", config(t, v2, "1"), mixed, v2, Active},
		{"default, mid_pool", config(t), mid, v2, Off},
		{"default, tiny_hot", config(t), tiny, v2, Off},
		{"tiny cache, tiny_hot", config(t), tiny, "HAKMEM_TINY_CACHE_CAP", Active},
		{"tiny cache, mid_pool", config(t), mid, "HAKMEM_TINY_CACHE_CAP", NeverExecuted},
		{"no superslab cap, random_mixed", config(t), mixed, "HAKMEM_SS_MAX", Off},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := runWorkload(t, tc.cfg, tc.spec)
			g := gate(t, verdictsOf(tc.cfg, Evidence{Hits: snap.Paths[:], Counted: true, Settled: true}), tc.env)
			if g.Verdict != tc.want {
				t.Errorf("%s = %s, want %s (paths %+v)", tc.env, g.Verdict, tc.want, g.Paths)
			}
			for _, p := range g.Paths {
				if p.Verdict == Inconsistent {
					t.Errorf("path %s INCONSISTENT", p.Path)
				}
			}
		})
	}
}

// TestVerdictsOfTheFakeTarget runs the rule on targettest's schema and
// snapshots: one gate, FAKE_TURBO, guarding one path, turbo.
func TestVerdictsOfTheFakeTarget(t *testing.T) {
	for _, tc := range []struct {
		value   string
		turbo   bool // the snapshot's turbo path took hits
		counted bool
		settled bool
		want    Verdict
		offBy   string
	}{
		{"0", false, true, true, Off, targettest.GateEnv},
		{"0", true, true, true, Inconsistent, targettest.GateEnv},
		{"0", false, true, false, Off, targettest.GateEnv}, // off is off before the warm-up too
		{"1", true, true, true, Active, ""},
		{"1", true, true, false, Active, ""},
		{"1", false, true, true, NeverExecuted, ""},
		{"1", false, true, false, WarmingUp, ""},
		{"1", false, false, true, Unknown, ""}, // no counters, no samples: never NEVER EXECUTED
	} {
		s := targettest.Schema(tc.value)
		snap := targettest.Snapshot(&s, 3, tc.turbo)
		ev := Evidence{Hits: snap.Paths, Counted: tc.counted, Settled: tc.settled}
		if !tc.counted {
			ev.Hits = make([]uint64, len(s.Paths)) // a build without counters reads 0
		}
		vs := Verdicts(&s, ev)
		want := []GateVerdict{{Gate: s.Gates[0], Verdict: tc.want, Paths: []PathVerdict{{Path: targettest.TurboPath, Verdict: tc.want, Hits: ev.Hits[1], OffBy: tc.offBy}}}}
		if len(vs) != 1 || vs[0].Verdict != want[0].Verdict || vs[0].Env != targettest.GateEnv || vs[0].Value != tc.value ||
			len(vs[0].Paths) != 1 || vs[0].Paths[0] != want[0].Paths[0] {
			t.Errorf("%s=%s turbo hits %v counted %v settled %v: %+v, want %+v", targettest.GateEnv, tc.value, tc.turbo, tc.counted, tc.settled, vs, want)
		}
	}
	// Without counters, a CPU sample on turbo is the evidence it ran.
	s := targettest.Schema("1")
	if vs := Verdicts(&s, Evidence{Samples: []int64{0, 4}, Settled: true}); vs[0].Verdict != Active || vs[0].Paths[0].Samples != 4 {
		t.Errorf("samples on turbo without counters: %+v, want ACTIVE with 4 samples", vs)
	}
}

// TestOffPathsSwitchOffSomePaths: a value may switch off one of its paths
// and not the other (target.Gate.OffPaths): the one is OFF, the other is
// judged on its evidence, and a sibling that ran makes it IDLE.
func TestOffPathsSwitchOffSomePaths(t *testing.T) {
	s := targettest.Schema("1")
	s.Gates[0].Paths = []string{targettest.PlainPath, targettest.TurboPath, "unknown_path"}
	s.Gates[0].OffPaths = []string{targettest.TurboPath}
	vs := Verdicts(&s, Evidence{Hits: []uint64{0, 0}, Counted: true, Settled: true})
	if g := vs[0]; g.Verdict != NeverExecuted || len(g.Paths) != 2 || g.Paths[0].Verdict != NeverExecuted || g.Paths[1].Verdict != Off || g.Paths[1].OffBy != targettest.GateEnv {
		t.Errorf("nothing ran, turbo off: %+v, want NEVER EXECUTED (plain) and OFF (turbo); the path the schema lacks left out", g)
	}
	vs = Verdicts(&s, Evidence{Hits: []uint64{7}, Counted: true, Settled: true})
	if g := vs[0]; g.Verdict != Active || g.Paths[0].Verdict != Active || g.Paths[0].Hits != 7 || g.Paths[1].Verdict != Off {
		t.Errorf("plain ran, turbo off: %+v, want ACTIVE and OFF", g)
	}
	s.Gates[0].OffPaths = nil
	vs = Verdicts(&s, Evidence{Hits: []uint64{7}, Counted: true, Settled: true})
	if g := vs[0]; g.Verdict != Active || g.Paths[1].Verdict != Idle {
		t.Errorf("plain ran, turbo on and idle: %+v, want ACTIVE with turbo IDLE", g)
	}
}

// TestGateVerdictJSON: a GateVerdict prints as the gate's env, value and
// source with the verdicts (the shape `gates --json` has always had), and
// reads back.
func TestGateVerdictJSON(t *testing.T) {
	s := targettest.Schema("1")
	vs := Verdicts(&s, Evidence{Hits: []uint64{1, 2}, Counted: true, Settled: true})
	b, err := json.Marshal(vs)
	if err != nil {
		t.Fatal(err)
	}
	const want = `[{"env":"FAKE_TURBO","value":"1","source":"env","verdict":"ACTIVE","paths":[{"path":"turbo","verdict":"ACTIVE","hits":2,"samples":0}]}]`
	if string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back []GateVerdict
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || back[0].Env != "FAKE_TURBO" || back[0].Value != "1" || back[0].Source != "env" || back[0].Verdict != Active || len(back[0].Paths) != 1 || back[0].Paths[0] != vs[0].Paths[0] {
		t.Errorf("read back %+v", back)
	}
}
