package profile

// Gate verdicts: for every gate and every path it guards, whether the path
// ran. Verdicts is a pure function of the gate values and the Evidence
// (path hit counters, per-path CPU samples, whether the run has settled);
// it owns the rule below and the JSON shape bench, report and gates print.
// Nobody else decides a verdict, or whether a run has settled.
//
// The verdict rule, which README.md states in the same words (a test checks):
//
//	Evidence. With counters compiled in, a path ran exactly when it has
//	hits: the counters are exact and each belongs to its path alone. CPU
//	samples are shown beside the hits but are no evidence then: a sample
//	says only which function the CPU was in (an entry check that found
//	nothing to do counts too). Built without counters (haktop_nostats),
//	every hit reads 0: a path ran when it has CPU samples, and none
//	proves nothing.
//
//	Off. A path is off when the value of a gate guarding it switches the
//	path, or its trigger, off (decided per gate and path in
//	allocator/gates.go; HAKMEM_SS_MAX=0, no cap, switches the fallback off).
//
//	Settled. Zeros are final once the run has finished (it did all it was
//	asked, however short) or has run for 250ms. A run still going, or
//	stopped early, before 250ms has not settled.
//
//	Per gate and path, the first that applies:
//	  off, ran                        INCONSISTENT (the gate says off, yet it ran: a bug)
//	  off                             OFF
//	  ran                             ACTIVE
//	  not settled                     WARMING UP
//	  no counters                     UNKNOWN
//	  another path of the gate ran    IDLE (the gate acts through that one)
//	  otherwise                       NEVER EXECUTED (an A/B of the gate measures nothing)
//
//	A gate's verdict, the first that applies:
//	  it guards no path               n/a
//	  any path INCONSISTENT           INCONSISTENT
//	  any path ACTIVE                 ACTIVE
//	  every path OFF                  OFF
//	  any path UNKNOWN                UNKNOWN
//	  any path WARMING UP             WARMING UP
//	  otherwise                       NEVER EXECUTED
//
// The warning banners count NEVER EXECUTED paths, so a path the current
// values switch off, or one whose gate ran through another path, never
// raises one.

import (
	"time"

	"github.com/haktop/haktop/allocator"
)

// Verdict says whether a gated path ran.
type Verdict string

// The verdicts, as printed and as stored in JSON.
const (
	Off           Verdict = "OFF"
	Active        Verdict = "ACTIVE"
	Idle          Verdict = "IDLE"
	NeverExecuted Verdict = "NEVER EXECUTED"
	Inconsistent  Verdict = "INCONSISTENT"
	WarmingUp     Verdict = "WARMING UP"
	Unknown       Verdict = "UNKNOWN"
	NotApplicable Verdict = "n/a"
)

// WarmUp is how long a run that has not finished must have gone on before
// its zeros are final (see Settled).
const WarmUp = 250 * time.Millisecond

// Settled reports whether a run's zeros are final: it finished (did all it
// was asked: its counters are exact and complete), or it has run for
// WarmUp. elapsed is the time the run, or its counter epoch, has run.
func Settled(finished bool, elapsed time.Duration) bool {
	return finished || elapsed >= WarmUp
}

// Evidence is what the verdicts rest on.
type Evidence struct {
	Hits [allocator.NumPaths]uint64 // path hit counters of a Snapshot
	// Counted says the hits were counted; false in a build without
	// counters (Snapshot.StatsCompiled), where every hit reads 0.
	Counted bool
	Samples [allocator.NumPaths]int64 // CPU samples per path (Attribution.PathSamples); zeros without a profile
	Settled bool                      // see Settled
}

// PathVerdict is one guarded path's verdict.
type PathVerdict struct {
	Path    string  `json:"path"` // path key
	Verdict Verdict `json:"verdict"`
	Hits    uint64  `json:"hits"`
	Samples int64   `json:"samples"`
	OffBy   string  `json:"off_by,omitempty"` // the gate whose value switches the path off
}

// GateVerdict is one gate's value and verdicts.
type GateVerdict struct {
	Env     string        `json:"env"`
	Value   string        `json:"value"`
	Source  string        `json:"source"`
	Verdict Verdict       `json:"verdict"`
	Paths   []PathVerdict `json:"paths"`
}

// Verdicts returns every gate's verdict, in the order of gates, by the rule
// at the top of this file.
func Verdicts(gates []allocator.GateValue, ev Evidence) []GateVerdict {
	out := make([]GateVerdict, len(gates))
	for i, g := range gates {
		gv := GateVerdict{Env: g.Env, Value: g.Value, Source: g.Source.String(), Paths: []PathVerdict{}}
		siblingRan := false
		for _, p := range g.Paths {
			if ran(ev, p) && offBy(gates, g, p) == "" {
				siblingRan = true
			}
		}
		for _, p := range g.Paths {
			gv.Paths = append(gv.Paths, pathVerdict(gates, g, p, ev, siblingRan))
		}
		gv.Verdict = overall(gv.Paths)
		out[i] = gv
	}
	return out
}

// ran reports whether the evidence says path p ran.
func ran(ev Evidence, p allocator.PathID) bool {
	if ev.Counted {
		return ev.Hits[p] > 0
	}
	return ev.Samples[p] > 0
}

// offBy returns the gate whose value switches p off, g itself first, or "".
func offBy(gates []allocator.GateValue, g allocator.GateValue, p allocator.PathID) string {
	if g.PathOff(p) {
		return g.Env
	}
	for _, o := range gates {
		if o.PathOff(p) {
			return o.Env
		}
	}
	return ""
}

// pathVerdict applies the per-path rule; siblingRan says another enabled
// path of g ran.
func pathVerdict(gates []allocator.GateValue, g allocator.GateValue, p allocator.PathID, ev Evidence, siblingRan bool) PathVerdict {
	pv := PathVerdict{Path: p.String(), Hits: ev.Hits[p], Samples: ev.Samples[p], OffBy: offBy(gates, g, p)}
	off, ran := pv.OffBy != "", ran(ev, p)
	switch {
	case off && ran:
		pv.Verdict = Inconsistent
	case off:
		pv.Verdict = Off
	case ran:
		pv.Verdict = Active
	case !ev.Settled:
		pv.Verdict = WarmingUp
	case !ev.Counted:
		pv.Verdict = Unknown
	case siblingRan:
		pv.Verdict = Idle
	default:
		pv.Verdict = NeverExecuted
	}
	return pv
}

// overall applies the gate rule to its paths' verdicts.
func overall(paths []PathVerdict) Verdict {
	if len(paths) == 0 {
		return NotApplicable
	}
	count := func(v Verdict) int {
		n := 0
		for _, p := range paths {
			if p.Verdict == v {
				n++
			}
		}
		return n
	}
	switch {
	case count(Inconsistent) > 0:
		return Inconsistent
	case count(Active) > 0:
		return Active
	case count(Off) == len(paths):
		return Off
	case count(Unknown) > 0:
		return Unknown
	case count(WarmingUp) > 0:
		return WarmingUp
	}
	return NeverExecuted
}
