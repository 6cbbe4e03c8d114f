package profile

import (
	"context"
	"testing"

	"github.com/haktop/haktop/allocator"
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
	var hits [allocator.NumPaths]uint64
	var samples [allocator.NumPaths]int64

	// Default: v2 is off, and HAKMEM_POOL_V2_CLASSES (on by itself) is
	// disabled through it.
	vs := Verdicts(config(t).Gates(), hits, samples, true)
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

	// Enabled, nothing ran: NEVER EXECUTED after warm-up, WARMING UP before.
	on := config(t, v2, "1").Gates()
	if g := gate(t, Verdicts(on, hits, samples, true), v2); g.Verdict != NeverExecuted {
		t.Errorf("enabled, idle, warm = %s", g.Verdict)
	}
	if g := gate(t, Verdicts(on, hits, samples, false), v2); g.Verdict != WarmingUp || g.Paths[0].Verdict != WarmingUp {
		t.Errorf("enabled, idle, cold = %+v", g)
	}

	// Samples alone make a path ACTIVE; the other paths stay NEVER EXECUTED.
	samples[allocator.PathPoolV2Free] = 3
	g := gate(t, Verdicts(on, hits, samples, true), v2)
	ps := pathsOf(g)
	if g.Verdict != Active || ps["pool_v2_free"].Verdict != Active || ps["pool_v2_alloc"].Verdict != NeverExecuted || ps["pool_v2_free"].Samples != 3 {
		t.Errorf("samples on v2 free = %+v", g)
	}

	// Hits on a path the gate says is off: INCONSISTENT, on every gate guarding it.
	hits[allocator.PathPoolV2Alloc] = 1
	samples = [allocator.NumPaths]int64{}
	off := Verdicts(config(t, "HAKMEM_POOL_V2_CLASSES", "0").Gates(), hits, samples, false)
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
	var none [allocator.NumPaths]int64
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := runWorkload(t, tc.cfg, tc.spec)
			g := gate(t, Verdicts(tc.cfg.Gates(), snap.Paths, none, true), tc.env)
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
