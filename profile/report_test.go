package profile

import (
	"testing"

	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

func TestRunReportAnnotate(t *testing.T) {
	cfg := config(t, v2, "1")
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 50_000
	snap := runWorkload(t, cfg, mid)
	rep := NewRunReport(workload.Result{Spec: mid}, snap, cfg)
	schema := embedded.Schema(cfg)
	rep.Annotate(&schema, true)
	want := Verdicts(&schema, Evidence{Hits: snap.Paths[:], Counted: true, Settled: true})
	for i, g := range rep.Gates {
		if g.Verdict != string(want[i].Verdict) || len(g.PathVerdicts) != len(want[i].Paths) {
			t.Fatalf("%s: verdict %q with %d paths, want %q with %d", g.Env, g.Verdict, len(g.PathVerdicts), want[i].Verdict, len(want[i].Paths))
		}
		for j, p := range g.PathVerdicts {
			if w := want[i].Paths[j]; p.Path != w.Path || p.Verdict != string(w.Verdict) || p.Hits != w.Hits || p.OffBy != w.OffBy {
				t.Errorf("%s path %d = %+v, want %+v", g.Env, j, p, w)
			}
		}
	}
	if rep.Gates[4].Env != v2 || rep.Gates[4].Verdict != "ACTIVE" || rep.Gates[4].PathVerdicts[0].Hits == 0 {
		t.Errorf("v2 on, mid_pool: %+v", rep.Gates[4])
	}
	// A gate list that does not match is left alone rather than mislabelled.
	rep.Gates[0].Verdict, rep.Gates[0].Env = "", "HAKMEM_OTHER"
	rep.Annotate(&schema, true)
	if rep.Gates[0].Verdict != "" {
		t.Errorf("mismatched gate got verdict %q", rep.Gates[0].Verdict)
	}
}
