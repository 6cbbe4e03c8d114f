package profile

// RunReport is the JSON document `haktop bench --json` prints and that
// ab, CI and the tests parse back: one run's counts, counters, hits, gates
// and gate verdicts. It lives here, with the verdicts it carries, so every
// consumer decodes the one definition. Field names are the public format:
// add fields, never rename them.

import (
	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// RunReport is one bench run: the workload's own counts, the allocator's
// per-class counters and path hits, and the gate values it ran under.
type RunReport struct {
	Workload  string  `json:"workload"`
	Workers   int     `json:"workers"`
	Cycles    int64   `json:"cycles"`
	Seconds   float64 `json:"seconds"`
	OpsPerSec float64 `json:"ops_per_sec"`
	Allocs    int64   `json:"allocs"`  // the workload's own allocations
	Frees     int64   `json:"frees"`   // the workload's own frees, not the drain
	Drained   int64   `json:"drained"` // blocks the final drain freed
	WS        int     `json:"ws"`
	Seed      uint32  `json:"seed"`
	Size      int     `json:"size,omitempty"`
	// StatsCompiled is false under -tags haktop_nostats: every counter is 0.
	StatsCompiled bool                  `json:"stats_compiled"`
	Classes       []ClassReport         `json:"classes"` // every class row, C0..C7, P0..P6, L
	Paths         []PathReport          `json:"paths"`   // every path, by ID
	Gates         []GateReport          `json:"gates"`   // every gate, registry order
	Invalid       allocator.Invalid     `json:"invalid"`
	Memory        allocator.MemoryStats `json:"memory"`
}

// ClassReport is one class row: class, size, tier and its counters
// (alloc_calls ... free_fallback) flattened into the same object.
type ClassReport = allocator.ClassStats

// PathReport is one path's hits; ID is the path's stable Key.
type PathReport struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Hits uint64 `json:"hits"`
}

// GateReport is one gate's effective value; Paths are path Keys.
type GateReport struct {
	Env    string   `json:"env"`
	Value  string   `json:"value"`
	Source string   `json:"source"`
	Paths  []string `json:"paths"`
	Off    bool     `json:"off"` // the value switches every path in Paths off
	// Verdict and PathVerdicts are the gate verdicts of verdict.go (OFF,
	// ACTIVE, NEVER EXECUTED, INCONSISTENT, WARMING UP, n/a), from this
	// run's hits; RunReport.Annotate fills them, as bench does.
	Verdict      string              `json:"verdict,omitempty"`
	PathVerdicts []PathVerdictReport `json:"path_verdicts,omitempty"`
}

// PathVerdictReport is one guarded path's verdict (profile.PathVerdict).
type PathVerdictReport struct {
	Path    string `json:"path"`
	Verdict string `json:"verdict"`
	Hits    uint64 `json:"hits"`
	Samples int64  `json:"samples"`
	OffBy   string `json:"off_by,omitempty"` // the gate whose value switches the path off
}

// NewRunReport returns the report of res, with the allocator counters
// from snap (taken after Wait, so exact) and the gates of cfg.
func NewRunReport(res workload.Result, snap allocator.Snapshot, cfg allocator.Config) RunReport {
	rep := RunReport{
		Workload:      res.Spec.Name,
		Workers:       res.Spec.Workers,
		Cycles:        res.Cycles,
		Seconds:       res.Elapsed.Seconds(),
		OpsPerSec:     res.OpsPerSec(),
		Allocs:        res.Allocs,
		Frees:         res.Frees,
		Drained:       res.Drained,
		WS:            res.Spec.WS,
		Seed:          res.Spec.Seed,
		Size:          res.Spec.Size,
		StatsCompiled: snap.StatsCompiled,
		Classes:       append([]ClassReport(nil), snap.Classes[:]...),
		Paths:         make([]PathReport, allocator.NumPaths),
		Invalid:       snap.Invalid,
		Memory:        snap.Memory,
	}
	for i, p := range allocator.Paths {
		rep.Paths[i] = PathReport{ID: p.Key, Name: p.Name, Hits: snap.Paths[i]}
	}
	for _, g := range cfg.Gates() {
		gr := GateReport{Env: g.Env, Value: g.Value, Source: g.Source.String(), Paths: make([]string, len(g.Paths)), Off: g.Off}
		for i, p := range g.Paths {
			gr.Paths[i] = p.String()
		}
		rep.Gates = append(rep.Gates, gr)
	}
	return rep
}

// Annotate sets the Verdict and PathVerdicts of every gate in rep from
// rep's own path hits (bench takes no CPU profile, so samples are zero).
// schema is the run's target with the gates in force, in rep.Gates'
// order; settled is Settled(the run finished, its elapsed time).
func (rep *RunReport) Annotate(schema *target.Schema, settled bool) {
	ev := Evidence{Counted: rep.StatsCompiled, Settled: settled, Hits: make([]uint64, len(schema.Paths))}
	for _, p := range rep.Paths {
		if i := schema.PathIndex(p.ID); i >= 0 {
			ev.Hits[i] = p.Hits
		}
	}
	for i, gv := range Verdicts(schema, ev) {
		if i >= len(rep.Gates) || rep.Gates[i].Env != gv.Env {
			continue // not the same gate list: leave the entry without a verdict
		}
		g := &rep.Gates[i]
		g.Verdict = string(gv.Verdict)
		g.PathVerdicts = make([]PathVerdictReport, len(gv.Paths))
		for j, p := range gv.Paths {
			g.PathVerdicts[j] = PathVerdictReport{Path: p.Path, Verdict: string(p.Verdict), Hits: p.Hits, Samples: p.Samples, OffBy: p.OffBy}
		}
	}
}
