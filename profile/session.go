package profile

// Recordings: gate verdicts and the counter profile of a session file that
// sampler wrote. A session is a run of counter epochs (an allocator
// restart starts a new one, with its own gates); each epoch's last sample
// holds that epoch's final counters (sampler.Recording.Epochs). These
// functions read recordings only.

import (
	"fmt"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
)

// epochSchema returns the schema a recording's counters were taken
// under while gates were in force: the header's, with those gates, and for
// the embedded allocator with what each value switches off and the class
// -> path mapping as this build decides them (embedded.Recorded).
func epochSchema(rec *sampler.Recording, gates []target.Gate) target.Schema {
	if rec.Header.Schema.Target == embedded.Name {
		return embedded.Recorded(rec.Header.Schema, gates)
	}
	return rec.Header.Schema.WithGates(gates)
}

// RecordingVerdicts returns the verdicts of the gates in force at the start
// of rec, from the hits of the session's first counter epoch (the epoch
// those gates governed), which has finished when a later epoch or the
// footer follows it. Recordings hold no CPU samples, so verdicts rest on
// hits alone. A recording with no samples gives every path WARMING UP.
// Which paths a value switches off is what the recording says (each
// gate's Off and OffPaths), but for the embedded allocator this build's
// gate registry decides it again from the values (embedded.Decided).
func RecordingVerdicts(rec *sampler.Recording) []GateVerdict {
	schema := epochSchema(rec, rec.Header.Gates)
	ev := Evidence{Counted: rec.Header.StatsCompiled}
	if eps := rec.Epochs(); len(eps) > 0 {
		first := eps[0]
		last := first.Last()
		ev.Hits = last.Snap.Paths
		ev.Settled = Settled(first.Ended, first.Covered())
	}
	return Verdicts(&schema, ev)
}

// RecordingProfile returns the counter profile (CounterProfile) of rec's
// final counters: each epoch's last sample, mapped with that epoch's own
// gates, summed. When the workload changed during the session
// (sampler.SegmentsOf), every sample carries the label SegmentLabel
// ("1: random_mixed, 1 worker"), so the workloads are never summed into
// one sample. It returns an error when rec has no samples.
func RecordingProfile(rec *sampler.Recording) (*pprofile.Profile, error) {
	eps := rec.Epochs()
	if len(eps) == 0 {
		return nil, fmt.Errorf("profile: %s has no samples: no counters to export", rec.Path)
	}
	segment := map[int]string{} // epoch -> label, when there are segments
	if segs := sampler.SegmentsOf(rec); len(segs) > 1 {
		for i, sg := range segs {
			for ep := sg.FirstEpoch; ep <= sg.LastEpoch; ep++ {
				segment[ep] = SegmentName(i, sg)
			}
		}
	}
	var ps []*pprofile.Profile
	var covered time.Duration
	for _, ep := range eps {
		schema := epochSchema(rec, ep.Gates)
		covered += ep.Covered()
		p := CounterProfile(&schema, ep.Last().Snap, rec.Header.Start, 0)
		if name, ok := segment[ep.Number]; ok {
			for _, smp := range p.Sample {
				smp.Label = map[string][]string{SegmentLabel: {name}}
			}
		}
		ps = append(ps, p)
	}
	p := ps[0]
	if len(ps) > 1 {
		var err error
		if p, err = pprofile.Merge(ps); err != nil {
			return nil, fmt.Errorf("profile: merging the epochs of %s: %w", rec.Path, err)
		}
		p.Comments = append(p.Comments, fmt.Sprintf("%d counter epochs, each mapped with its own gates", len(ps)))
	}
	p.DurationNanos = covered.Nanoseconds()
	return p, nil
}

// SegmentLabel is the pprof label that tells a recording's workload
// segments apart in its counter profile (go tool pprof -tagfocus).
const SegmentLabel = "segment"

// SegmentName is segment i's label value: "1: random_mixed, 2 workers".
func SegmentName(i int, sg sampler.Segment) string {
	return fmt.Sprintf("%d: %s, %s", i+1, sg.Workload.Name, textfmt.Count(sg.Workload.Workers, "worker"))
}
