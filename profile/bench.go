package profile

// AnnotateBench: the gate verdicts written into a bench report
// (workload.BenchReport), which workload defines but cannot fill, since
// verdicts belong to this package and workload sits below it.

import (
	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/workload"
)

// AnnotateBench sets the Verdict and PathVerdicts of every gate in rep from
// rep's own path hits (bench takes no CPU profile, so samples are zero).
// gates are the run's gate values in rep.Gates' order; settled is
// Settled(the run finished, its elapsed time).
func AnnotateBench(rep *workload.BenchReport, gates []allocator.GateValue, settled bool) {
	ev := Evidence{Counted: rep.StatsCompiled, Settled: settled}
	for _, p := range rep.Paths {
		if path, ok := allocator.PathByKey(p.ID); ok {
			ev.Hits[path.ID] = p.Hits
		}
	}
	for i, gv := range Verdicts(gates, ev) {
		if i >= len(rep.Gates) || rep.Gates[i].Env != gv.Env {
			continue // not the same gate list: leave the entry without a verdict
		}
		g := &rep.Gates[i]
		g.Verdict = string(gv.Verdict)
		g.PathVerdicts = make([]workload.PathVerdictReport, len(gv.Paths))
		for j, p := range gv.Paths {
			g.PathVerdicts[j] = workload.PathVerdictReport{Path: p.Path, Verdict: string(p.Verdict), Hits: p.Hits, Samples: p.Samples, OffBy: p.OffBy}
		}
	}
}
