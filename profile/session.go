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

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/textfmt"
)

// GateValues returns recorded gates as allocator.GateValues, for Verdicts.
// Path keys this build does not know are dropped: they have no counters
// here. Which paths a value switches off is the gate registry's to decide,
// so it is decided again from the recorded values; should they not parse
// (a recording from another build), the recorded off flag stands for
// every path.
func GateValues(gs []target.Gate) []allocator.GateValue {
	off := map[string][]allocator.PathID{}
	if cfg, err := recordedConfig(gs); err == nil {
		for _, g := range cfg.Gates() {
			off[g.Env] = g.OffPaths
		}
	}
	out := make([]allocator.GateValue, len(gs))
	for i, g := range gs {
		gv := allocator.GateValue{Env: g.Env, Value: g.Value}
		for s := allocator.SourceDefault; s <= allocator.SourceCode; s++ {
			if s.String() == g.Source {
				gv.Source = s
			}
		}
		for _, key := range g.Paths {
			if p, ok := allocator.PathByKey(key); ok {
				gv.Paths = append(gv.Paths, p.ID)
			}
		}
		if paths, ok := off[g.Env]; ok {
			gv.OffPaths = paths
		} else if g.Off {
			gv.OffPaths = gv.Paths
		}
		gv.Off = len(gv.Paths) > 0 && len(gv.OffPaths) == len(gv.Paths)
		out[i] = gv
	}
	return out
}

// recordedConfig returns the Config of recorded gate values.
func recordedConfig(gs []target.Gate) (allocator.Config, error) {
	return allocator.ConfigFrom(func(env string) (string, bool) {
		if env == allocator.ProfileEnv {
			return "", false // the recorded values already include the preset's
		}
		for _, g := range gs {
			if g.Env == env {
				return g.Value, true
			}
		}
		return "", false
	})
}

// RecordingVerdicts returns the verdicts of the gates in force at the start
// of rec, from the hits of the session's first counter epoch (the epoch
// those gates governed), which has finished when a later epoch or the
// footer follows it. Recordings hold no CPU samples, so verdicts rest on
// hits alone. A recording with no samples gives every path WARMING UP.
func RecordingVerdicts(rec *sampler.Recording) []GateVerdict {
	ev := Evidence{Counted: rec.Header.StatsCompiled}
	if eps := rec.Epochs(); len(eps) > 0 {
		first := eps[0]
		ev.Hits = first.Last().Snap.Paths
		ev.Settled = Settled(first.Ended, first.Covered())
	}
	return Verdicts(GateValues(rec.Header.Gates), ev)
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
		last := ep.Last()
		cs := CounterSet{Paths: last.Snap.Paths, PoolV2: poolV2Recorded(ep.Gates), Start: rec.Header.Start}
		for c := range cs.Classes {
			cs.Classes[c] = last.Snap.Classes[c].Counters
		}
		covered += ep.Covered()
		p := CounterProfile(cs)
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

// poolV2Recorded returns the pool classes hotbox v2 served under recorded gates.
func poolV2Recorded(gs []target.Gate) uint8 {
	// The recorded values are canonical, so they parse; should one not (a
	// recording from another build), v2 counts as off.
	cfg, err := recordedConfig(gs)
	if err != nil {
		return 0
	}
	return PoolV2Classes(cfg)
}
