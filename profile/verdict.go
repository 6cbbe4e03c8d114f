package profile

// Gate verdicts: for every gate and every path it guards, whether the path
// ran. Verdicts is a pure function of the gate values, the path hit
// counters and the per-path CPU samples; it owns the rules below and the
// JSON shape bench, report and gates print. Nobody else decides a verdict.
//
// A path is disabled when any gate guarding it has a value that switches it
// off (GateValue.Off). Per gate and path:
//
//	disabled, no hits, no samples   OFF            (OffBy names the gate that disables it)
//	disabled, hits or samples       INCONSISTENT   (the gate says off yet the path ran: a bug)
//	enabled, hits or samples        ACTIVE
//	enabled, nothing, warmed up     NEVER EXECUTED (the gate is on, the code never ran)
//	enabled, nothing, not warm yet  WARMING UP     (too early to call it never executed)
//
// A gate's overall verdict is the first that applies of:
//
//	the gate guards no path          n/a
//	any path INCONSISTENT            INCONSISTENT
//	the gate's own value is off      OFF
//	any path ACTIVE                  ACTIVE
//	any path WARMING UP              WARMING UP
//	any path NEVER EXECUTED          NEVER EXECUTED
//	(every path disabled by others)  OFF
//
// Hits and samples are totals since the run began; warm-up only decides
// whether a zero is final.

import (
	"github.com/haktop/haktop/allocator"
)

// Verdict says whether a gated path ran.
type Verdict string

// The verdicts, as printed and as stored in JSON.
const (
	Off           Verdict = "OFF"
	Active        Verdict = "ACTIVE"
	NeverExecuted Verdict = "NEVER EXECUTED"
	Inconsistent  Verdict = "INCONSISTENT"
	WarmingUp     Verdict = "WARMING UP"
	NotApplicable Verdict = "n/a"
)

// PathVerdict is one guarded path's verdict.
type PathVerdict struct {
	Path    string  `json:"path"` // path key
	Verdict Verdict `json:"verdict"`
	Hits    uint64  `json:"hits"`
	Samples int64   `json:"samples"`
	OffBy   string  `json:"off_by,omitempty"` // the gate whose value disables the path
}

// GateVerdict is one gate's value and verdicts.
type GateVerdict struct {
	Env     string        `json:"env"`
	Value   string        `json:"value"`
	Source  string        `json:"source"`
	Verdict Verdict       `json:"verdict"`
	Paths   []PathVerdict `json:"paths"`
}

// Verdicts returns every gate's verdict, in the order of gates (see the
// rules at the top of this file). hits are the path hit counters of a
// Snapshot; samples the CPU samples per path (Attribution.PathSamples, or
// zeros when no profile was taken); warmedUp says the run is past warm-up.
func Verdicts(gates []allocator.GateValue, hits [allocator.NumPaths]uint64, samples [allocator.NumPaths]int64, warmedUp bool) []GateVerdict {
	out := make([]GateVerdict, len(gates))
	for i, g := range gates {
		gv := GateVerdict{Env: g.Env, Value: g.Value, Source: g.Source.String(), Paths: []PathVerdict{}}
		for _, p := range g.Paths {
			gv.Paths = append(gv.Paths, pathVerdict(gates, g, p, hits[p], samples[p], warmedUp))
		}
		gv.Verdict = overall(g, gv.Paths)
		out[i] = gv
	}
	return out
}

func pathVerdict(gates []allocator.GateValue, g allocator.GateValue, p allocator.PathID, hits uint64, samples int64, warmedUp bool) PathVerdict {
	pv := PathVerdict{Path: p.String(), Hits: hits, Samples: samples}
	if g.Off {
		pv.OffBy = g.Env
	} else {
		for _, o := range gates {
			if o.Off && guards(o, p) {
				pv.OffBy = o.Env
				break
			}
		}
	}
	ran := hits > 0 || samples > 0
	switch {
	case pv.OffBy != "" && ran:
		pv.Verdict = Inconsistent
	case pv.OffBy != "":
		pv.Verdict = Off
	case ran:
		pv.Verdict = Active
	case warmedUp:
		pv.Verdict = NeverExecuted
	default:
		pv.Verdict = WarmingUp
	}
	return pv
}

func guards(g allocator.GateValue, p allocator.PathID) bool {
	for _, q := range g.Paths {
		if q == p {
			return true
		}
	}
	return false
}

func overall(g allocator.GateValue, paths []PathVerdict) Verdict {
	if len(paths) == 0 {
		return NotApplicable
	}
	has := func(v Verdict) bool {
		for _, p := range paths {
			if p.Verdict == v {
				return true
			}
		}
		return false
	}
	switch {
	case has(Inconsistent):
		return Inconsistent
	case g.Off:
		return Off
	case has(Active):
		return Active
	case has(WarmingUp):
		return WarmingUp
	case has(NeverExecuted):
		return NeverExecuted
	}
	return Off
}
