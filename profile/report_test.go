package profile

import (
	"testing"

	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// TestRunReportVerdicts: a run report's gates carry the verdicts of the
// rule on the run's own hits.
func TestRunReportVerdicts(t *testing.T) {
	cfg := config(t, v2, "1")
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 50_000
	a := runWorkload(t, cfg, mid)
	schema := embedded.Schema(cfg)
	snap := schema.NewSnapshot()
	embedded.Snapshot(&a, &snap)
	rep := NewRunReport(&schema, snap, workload.Result{Spec: mid}, nil, true)
	want := Verdicts(&schema, Evidence{Hits: a.Paths[:], Counted: true, Settled: true})
	if len(rep.Gates) != len(want) {
		t.Fatalf("%d gates, want %d", len(rep.Gates), len(want))
	}
	for i, g := range rep.Gates {
		if g.Env != want[i].Env || g.Verdict != want[i].Verdict || len(g.Paths) != len(want[i].Paths) {
			t.Fatalf("%s: verdict %q with %d paths, want %s %q with %d", g.Env, g.Verdict, len(g.Paths), want[i].Env, want[i].Verdict, len(want[i].Paths))
		}
		for j, p := range g.Paths {
			if p != want[i].Paths[j] {
				t.Errorf("%s path %d = %+v, want %+v", g.Env, j, p, want[i].Paths[j])
			}
		}
	}
	if rep.Gates[4].Env != v2 || rep.Gates[4].Verdict != Active || rep.Gates[4].Paths[0].Hits == 0 {
		t.Errorf("v2 on, mid_pool: %+v", rep.Gates[4])
	}
	if rep.Classes[8].Class != "P0" || rep.Classes[8].Count("alloc_calls") != a.Classes[8].AllocCalls || rep.Classes[8].Count("alloc_calls") == 0 {
		t.Errorf("P0 row %+v, want alloc_calls %d", rep.Classes[8], a.Classes[8].AllocCalls)
	}
}
