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
	"encoding/json"
	"time"

	"github.com/haktop/haktop/target"
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

// Evidence is what the verdicts rest on. Hits and Samples are in the
// schema's path order (target.Schema.Paths); a path beyond their length
// reads 0.
type Evidence struct {
	Hits []uint64 // path hit counters of a Snapshot (target.Snapshot.Paths)
	// Counted says the hits were counted; false in a build without
	// counters (target.Schema.Counted), where every hit reads 0.
	Counted bool
	Samples []int64 // CPU samples per path (Attribution.PathSamples); nil without a profile
	Settled bool    // see Settled
}

// PathVerdict is one guarded path's verdict.
type PathVerdict struct {
	Path    string  `json:"path"` // path key
	Verdict Verdict `json:"verdict"`
	Hits    uint64  `json:"hits"`
	Samples int64   `json:"samples"`
	OffBy   string  `json:"off_by,omitempty"` // the gate whose value switches the path off
}

// GateVerdict is one gate, with its value, and its verdicts. Its JSON is
// the gate's env, value and source, the verdict and the path verdicts
// (MarshalJSON), the shape `gates --json` prints.
type GateVerdict struct {
	target.Gate
	Verdict Verdict       `json:"verdict"`
	Paths   []PathVerdict `json:"paths"` // one per guarded path the schema has, in the gate's order
}

// gateVerdictJSON is GateVerdict's JSON shape.
type gateVerdictJSON struct {
	Env     string        `json:"env"`
	Value   string        `json:"value"`
	Source  string        `json:"source"`
	Verdict Verdict       `json:"verdict"`
	Paths   []PathVerdict `json:"paths"`
}

// MarshalJSON writes the gate's env, value and source with the verdicts.
func (g GateVerdict) MarshalJSON() ([]byte, error) {
	return json.Marshal(gateVerdictJSON{Env: g.Env, Value: g.Value, Source: g.Source, Verdict: g.Verdict, Paths: g.Paths})
}

// UnmarshalJSON reads what MarshalJSON writes; the gate's declaration
// (kind, default, guarded paths) is not in it and stays empty.
func (g *GateVerdict) UnmarshalJSON(b []byte) error {
	var j gateVerdictJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*g = GateVerdict{Gate: target.Gate{Env: j.Env, Value: j.Value, Source: j.Source}, Verdict: j.Verdict, Paths: j.Paths}
	return nil
}

// Verdicts returns the verdict of every gate of s (s.Gates, in order) on
// the evidence ev, by the rule at the top of this file. A guarded path id
// s has no path of is left out: nothing counts it.
func Verdicts(s *target.Schema, ev Evidence) []GateVerdict {
	out := make([]GateVerdict, len(s.Gates))
	for i := range s.Gates {
		g := &s.Gates[i]
		gv := GateVerdict{Gate: *g, Paths: []PathVerdict{}}
		var paths []int // g's paths, as indexes into s.Paths
		for _, id := range g.Paths {
			if p := s.PathIndex(id); p >= 0 {
				paths = append(paths, p)
			}
		}
		siblingRan := false
		for _, p := range paths {
			if ran(ev, p) && offBy(s.Gates, g, s.Paths[p].ID) == "" {
				siblingRan = true
			}
		}
		for _, p := range paths {
			gv.Paths = append(gv.Paths, pathVerdict(s, g, p, ev, siblingRan))
		}
		gv.Verdict = overall(gv.Paths)
		out[i] = gv
	}
	return out
}

// hits and samples return path p's evidence, 0 beyond the slices.
func (ev Evidence) hits(p int) uint64 {
	if p < len(ev.Hits) {
		return ev.Hits[p]
	}
	return 0
}

func (ev Evidence) samples(p int) int64 {
	if p < len(ev.Samples) {
		return ev.Samples[p]
	}
	return 0
}

// ran reports whether the evidence says path p ran.
func ran(ev Evidence, p int) bool {
	if ev.Counted {
		return ev.hits(p) > 0
	}
	return ev.samples(p) > 0
}

// offBy returns the gate whose value switches path id off, g itself first, or "".
func offBy(gates []target.Gate, g *target.Gate, id string) string {
	if g.SwitchesOff(id) {
		return g.Env
	}
	for i := range gates {
		if gates[i].SwitchesOff(id) {
			return gates[i].Env
		}
	}
	return ""
}

// pathVerdict applies the per-path rule to path p of s; siblingRan says
// another enabled path of g ran.
func pathVerdict(s *target.Schema, g *target.Gate, p int, ev Evidence, siblingRan bool) PathVerdict {
	id := s.Paths[p].ID
	pv := PathVerdict{Path: id, Hits: ev.hits(p), Samples: ev.samples(p), OffBy: offBy(s.Gates, g, id)}
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
