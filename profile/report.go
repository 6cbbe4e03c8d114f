package profile

// RunReport: the one report of a finished run. `haktop bench --json`
// prints it, ab and CI parse it back, and `haktop gates` builds its
// document from it: the workload's own counts, the target's per-class
// counters, path hits, invalid frees and gauges, and every gate with its
// verdicts. NewRunReport builds it from a schema, a snapshot and a
// workload result, so the report of any target has its target's columns.
// Field names are the public format: add fields, never rename them.

import (
	"encoding/json"
	"fmt"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// RunReport is one run: the workload's own counts, the target's counters
// and path hits, and the gates it ran under with their verdicts.
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
	// StatsCompiled is false when the target's counters are compiled out
	// (-tags haktop_nostats): every counter is 0.
	StatsCompiled bool          `json:"stats_compiled"`
	Classes       []ClassReport `json:"classes"` // every class row, in the schema's order
	Paths         []PathReport  `json:"paths"`   // every path, in the schema's order
	// Gates holds every gate, in the schema's order, with its verdicts
	// (verdict.go) on this run's hits and any CPU samples.
	Gates   GateReports   `json:"gates"`
	Invalid target.Counts `json:"invalid"` // invalid frees per kind, the schema's Invalid
	Memory  target.Counts `json:"memory"`  // the schema's Gauges
}

// ClassReport is one class row: class, size and tier, with its counters
// (the schema's, e.g. alloc_calls ... free_fallback) flattened into the
// same JSON object.
type ClassReport struct {
	Class    string
	Size     int // the largest request; for an unbounded class the smallest
	Tier     string
	Counters target.Counts
}

// Count returns the class's counter named name, 0 when it has none.
func (c ClassReport) Count(name string) uint64 { return c.Counters.Get(name) }

// PathReport is one path's hits; ID is the path's stable id.
type PathReport struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Hits uint64 `json:"hits"`
}

// NewRunReport returns the report of res on the target s describes, with
// its counters from snap (taken after the run, so exact) and its gates'
// verdicts on snap's hits and samples (CPU samples per path in schema
// order; nil without a profile); settled is Settled(the run finished, its
// elapsed time).
func NewRunReport(s *target.Schema, snap target.Snapshot, res workload.Result, samples []int64, settled bool) RunReport {
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
		StatsCompiled: s.Counted,
		Classes:       make([]ClassReport, len(s.Classes)),
		Paths:         make([]PathReport, len(s.Paths)),
		Invalid:       target.CountsOf(s.Invalid, snap.Invalid),
		Memory:        target.CountsOf(s.Gauges, snap.Gauges),
	}
	n := len(s.Counters)
	for c, class := range s.Classes {
		cr := ClassReport{Class: class.Name, Size: class.Max, Tier: class.Tier, Counters: make(target.Counts, n)}
		if class.Max == 0 {
			cr.Size = class.Min
		}
		for k, counter := range s.Counters {
			cr.Counters[k].Name = counter.Name
			if i := c*n + k; i < len(snap.Counters) {
				cr.Counters[k].Value = snap.Counters[i]
			}
		}
		rep.Classes[c] = cr
	}
	for i, p := range s.Paths {
		rep.Paths[i] = PathReport{ID: p.ID, Name: p.Name}
		if i < len(snap.Paths) {
			rep.Paths[i].Hits = snap.Paths[i]
		}
	}
	rep.Gates = Verdicts(s, Evidence{Hits: snap.Paths, Counted: s.Counted, Samples: samples, Settled: settled})
	return rep
}

// MarshalJSON writes the class, size and tier, then the counters, as one object.
func (c ClassReport) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		Class string `json:"class"`
		Size  int    `json:"size"`
		Tier  string `json:"tier"`
	}{c.Class, c.Size, c.Tier})
	if err != nil {
		return nil, err
	}
	counts, err := c.Counters.MarshalJSON()
	if err != nil || len(c.Counters) == 0 {
		return head, err
	}
	// {"class":...,"tier":...} and {"alloc_calls":...} become one object.
	return append(append(head[:len(head)-1], ','), counts[1:]...), nil
}

// UnmarshalJSON reads what MarshalJSON writes: every member other than
// class, size and tier is a counter, in order.
func (c *ClassReport) UnmarshalJSON(data []byte) error {
	*c = ClassReport{Counters: target.Counts{}}
	return target.ReadObject(data, func(key string, value []byte) error {
		switch key {
		case "class":
			return json.Unmarshal(value, &c.Class)
		case "size":
			return json.Unmarshal(value, &c.Size)
		case "tier":
			return json.Unmarshal(value, &c.Tier)
		}
		var v uint64
		if err := json.Unmarshal(value, &v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		c.Counters = append(c.Counters, target.Count{Name: key, Value: v})
		return nil
	})
}

// GateReports are a run report's gates: GateVerdicts, printed in the run
// report's shape (each gate's env, value, source, guarded paths and off
// flag, then its verdict and path verdicts), which is not `gates --json`'s.
type GateReports []GateVerdict

// gateReportJSON is one gate of a run report as JSON.
type gateReportJSON struct {
	Env          string        `json:"env"`
	Value        string        `json:"value"`
	Source       string        `json:"source"`
	Paths        []string      `json:"paths"`
	Off          bool          `json:"off"` // the value switches every path in Paths off
	Verdict      Verdict       `json:"verdict,omitempty"`
	PathVerdicts []PathVerdict `json:"path_verdicts,omitempty"`
}

// MarshalJSON writes the gates in the run report's shape.
func (gs GateReports) MarshalJSON() ([]byte, error) {
	out := make([]gateReportJSON, len(gs))
	for i, g := range gs {
		out[i] = gateReportJSON{Env: g.Env, Value: g.Value, Source: g.Source, Paths: g.Gate.Paths, Off: g.Off, Verdict: g.Verdict, PathVerdicts: g.Paths}
		if out[i].Paths == nil {
			out[i].Paths = []string{}
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (gs *GateReports) UnmarshalJSON(data []byte) error {
	var in []gateReportJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*gs = make(GateReports, len(in))
	for i, g := range in {
		(*gs)[i] = GateVerdict{Gate: target.Gate{Env: g.Env, Value: g.Value, Source: g.Source, Paths: g.Paths, Off: g.Off}, Verdict: g.Verdict, Paths: g.PathVerdicts}
	}
	return nil
}
