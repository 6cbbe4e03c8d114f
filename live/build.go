package live

// Frame building: the one place that turns sampler samples, profile
// attributions and gate verdicts into a Frame. The live Engine and the
// Replay both call buildFrame, so a recording replays to the same screen the
// live session showed (less the CPU column, which recordings do not carry).

import (
	"math"
	"strconv"
	"strings"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
	"github.com/haktop/haktop/workload"
)

// layout describes the class rows and path hits of every sample, which
// the sampler keeps in the embedded allocator's layout: names, sizes,
// tiers, gate kinds and which gates guard which path.
var layout = embedded.Schema(allocator.DefaultConfig())

// HistoryLen is how many samples the sparklines show.
const HistoryLen = 120

// frameInput is everything one frame is built from.
type frameInput struct {
	spec    workload.Spec
	sample  sampler.Sample            // the latest sample: elapsed, proc, hits for verdicts
	rates   sampler.Rates             // the rates shown (the whole allocator's or one worker's)
	history []sampler.Rates           // rates of recent samples, oldest first, ending with rates
	attr    *profile.Attribution      // the latest CPU window, nil without profiling
	cpu     [allocator.NumPaths]int64 // CPU samples per path since the epoch began, for verdicts
	gates   []target.Gate             // the gates in force
	ended   bool                      // the epoch is over (its run ended): its zeros are final
	status  Status
}

// buildFrame returns the frame in shows.
func buildFrame(in frameInput) Frame {
	s := in.sample
	f := Frame{
		Workload:  in.spec.Name,
		Params:    specParams(in.spec),
		Workers:   in.spec.Workers,
		Elapsed:   s.Elapsed,
		OpsPerSec: in.rates.OpsPerSec,
		RSS:       s.Proc.RSSBytes,
		HeapInUse: s.Proc.HeapInUse,
		GCCount:   s.Proc.NumGC,
		GCPause:   s.Proc.LastPause,
		Status:    in.status,
	}
	f.Status.Profiling = in.attr != nil
	f.OpsHistory = make([]float64, len(in.history))
	for i, r := range in.history {
		f.OpsHistory[i] = r.OpsPerSec
	}

	f.Classes = make([]ClassRow, allocator.NumClasses)
	for c := range allocator.NumClasses {
		r := in.rates.Classes[c]
		cl := layout.Classes[c]
		row := ClassRow{
			Class:        cl.Name,
			Size:         allocator.ClassSize(c),
			SizeLabel:    textfmt.ClassSize(cl.Min, cl.Max),
			Tier:         cl.Tier,
			AllocPerSec:  r.Calls,
			FastRatio:    r.FastRatio,
			RefillPerSec: r.Refill,
			FallbackPer:  r.Fallback,
			FreePerSec:   r.Free,
			RemotePerSec: r.Remote,
			History:      make([]float64, len(in.history)),
		}
		if r.Calls == 0 || !allocator.FastMeasured(c) {
			row.FastRatio = math.NaN() // idle, or no fast path (large): no ratio, not 0%
		}
		// Heaps publish on their own schedules, so a remote free can be
		// counted before its alloc: a difference below zero is zero.
		if cs := s.Snap.Classes[c]; cs.AllocCalls > cs.FreeCalls {
			row.LiveBlocks = cs.AllocCalls - cs.FreeCalls
		}
		row.LiveBytes = row.LiveBlocks * uint64(row.Size)
		if c == allocator.LargeClass { // blocks of any size, counted by the allocator
			row.LiveBytes = s.Snap.Memory.LargeBytes
		}
		for i, h := range in.history {
			row.History[i] = h.Classes[c].Calls
		}
		f.Classes[c] = row
	}

	schema := layout.WithGates(in.gates)
	verdicts := profile.Verdicts(&schema, profile.Evidence{
		Hits: s.Snap.Paths[:], Counted: s.Snap.StatsCompiled, Samples: in.cpu[:],
		Settled: profile.Settled(in.ended, s.Elapsed-s.EpochStart),
	})
	pathVerdict := map[string]profile.Verdict{}
	f.Gates = make([]GateRow, len(verdicts))
	for i, gv := range verdicts {
		g := in.gates[i]
		row := GateRow{Env: gv.Env, Value: gv.Value, Source: gv.Source, Verdict: gv.Verdict}
		if decl := layout.Gate(g.Env); decl != nil {
			row.Kind = decl.Kind
		}
		for _, pv := range gv.Paths {
			row.Paths = append(row.Paths, pv.Path)
			if severity(pv.Verdict) > severity(pathVerdict[pv.Path]) {
				pathVerdict[pv.Path] = pv.Verdict
			}
		}
		f.Gates[i] = row
	}

	f.Paths = make([]PathRow, 0, allocator.NumPaths+3)
	for p, path := range layout.Paths {
		row := PathRow{
			Key: path.ID, Name: path.Name,
			CPUPercent: math.NaN(),
			HitsPerSec: in.rates.Paths[p],
			Verdict:    pathVerdict[path.ID],
			Gate:       strings.Join(layout.Guarding(path.ID), ","),
		}
		if in.attr != nil {
			if r, ok := in.attr.Row(path.ID); ok {
				row.CPUPercent = r.Percent()
			} else {
				row.CPUPercent = 0
			}
		}
		f.Paths = append(f.Paths, row)
	}
	if in.attr != nil {
		for _, key := range []string{profile.KeyDispatch, profile.KeyAllocatorOther, profile.KeyWorkload, profile.KeyRuntime} {
			row := PathRow{Key: key, Name: key, CPUPercent: 0, HitsPerSec: math.NaN()}
			if r, ok := in.attr.Row(key); ok {
				row.CPUPercent = r.Percent()
			}
			f.Paths = append(f.Paths, row)
		}
	}
	return f
}

// severity orders verdicts for a path guarded by several gates: the most
// alarming one is shown.
func severity(v profile.Verdict) int {
	switch v {
	case profile.Inconsistent:
		return 7
	case profile.NeverExecuted:
		return 6
	case profile.Unknown:
		return 5
	case profile.WarmingUp:
		return 4
	case profile.Active:
		return 3
	case profile.Idle:
		return 2
	case profile.Off:
		return 1
	}
	return 0
}

// specParams returns the parameters of spec that matter for its workload.
func specParams(s workload.Spec) string {
	var p []string
	switch s.Name {
	case workload.TinyHot:
		p = append(p, "size="+strconv.Itoa(s.Size))
	default:
		p = append(p, "ws="+strconv.Itoa(s.WS))
	}
	if s.Name == workload.RandomMixed && (s.MinSize != 0 || s.MaxSize != 0) {
		p = append(p, "sizes="+strconv.Itoa(s.MinSize)+".."+strconv.Itoa(s.MaxSize))
	}
	p = append(p, "seed="+strconv.Itoa(int(s.Seed)))
	return strings.Join(p, " ")
}
