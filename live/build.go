package live

// Frame building: the one place that turns sampler samples, profile
// attributions and gate verdicts into a Frame. The live Engine and the
// Replay both call buildFrame, so a recording replays to the same screen the
// live session showed (less the CPU column, which recordings do not carry).

import (
	"math"
	"strconv"
	"strings"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/process"
	"github.com/haktop/haktop/textfmt"
	"github.com/haktop/haktop/workload"
)

// layout describes the embedded allocator's class rows and path hits:
// names, sizes, tiers, gate kinds and which gates guard which path. It is
// the shape of the live engine's samples.
var layout = embedded.DefaultSchema()

// HistoryLen is how many samples the sparklines show.
const HistoryLen = 120

// frameInput is everything one frame is built from.
type frameInput struct {
	spec    workload.Spec
	schema  *target.Schema       // the sample's and the rates' shape; nil means layout
	sample  sampler.Sample       // the latest sample: elapsed, proc, hits for verdicts
	rates   sampler.Rates        // the rates shown (the whole allocator's or one worker's)
	history []sampler.Rates      // rates of recent samples, oldest first, ending with rates
	attr    *profile.Attribution // the latest CPU window, nil without profiling
	cpu     []int64              // CPU samples per path since the epoch began, in schema path order, for verdicts; nil: none
	gates   []target.Gate        // the gates in force
	ended   bool                 // the epoch is over (its run ended): its zeros are final
	status  Status
}

// buildFrame returns the frame in shows.
func buildFrame(in frameInput) Frame {
	s := in.sample
	sc := in.schema
	if sc == nil {
		sc = &layout
	}
	f := Frame{
		Workload:  in.spec.Name,
		Params:    specParams(in.spec),
		Workers:   in.spec.Workers,
		Elapsed:   s.Elapsed,
		OpsPerSec: in.rates.OpsPerSec,
		RSS:       s.Snap.Proc.RSSBytes,
		HeapInUse: s.Snap.Proc.HeapInUse,
		GCCount:   s.Snap.Proc.NumGC,
		GCPause:   s.Snap.Proc.LastPause,
		Status:    in.status,
	}
	f.Status.Profiling = in.attr != nil
	ops := func(r *sampler.Rates) float64 { return r.OpsPerSec }
	if sc.Target != embedded.Name && s.Snap.Ops == 0 {
		// A program whose operations haktop does not know (a recorded
		// command): its allocs and frees per second, not 0 ops/s.
		ops = func(r *sampler.Rates) float64 { return callsPerSec(sc, r) }
		f.OpsPerSec, f.OpsUnit = ops(&in.rates), callsUnit(sc)
	}
	f.OpsHistory = make([]float64, len(in.history))
	for i := range in.history {
		f.OpsHistory[i] = ops(&in.history[i])
	}

	// The rows are the declaring registry's: this build's for the embedded
	// allocator (its classes, paths, which gates guard which path, as
	// embedded.Decided re-decides what its recorded values switch off), so
	// a recording of an older registry shows this build's rows, a class or
	// path it lacks at 0; for any other target, its own schema's.
	decl := sc
	if sc.Target == embedded.Name {
		decl = &layout
	}
	classAt, pathAt := func(c int) int { return c }, func(p int) int { return p }
	if decl != sc && !decl.SameShape(sc) {
		classAt = func(c int) int { return sc.ClassIndex(decl.Classes[c].Name) }
		pathAt = func(p int) int { return sc.PathIndex(decl.Paths[p].ID) }
	}
	n := len(sc.Counters)
	rateOf := func(r *sampler.Rates, c int, role target.Role) float64 {
		if role == target.RoleFast {
			v, _ := r.Fast(classAt(c))
			return v
		}
		return r.Rate(classAt(c), sc.CounterOf(role), n)
	}
	in.fill(&f, sc, decl, classAt, rateOf)

	schema := decl.WithGates(in.gates)
	hits, cpu := make([]uint64, len(decl.Paths)), make([]int64, len(decl.Paths))
	if sc.Fits(&s.Snap) {
		for p := range hits {
			if q := pathAt(p); q >= 0 {
				hits[p] = s.Snap.Paths[q]
			}
		}
	}
	if len(decl.Paths) == len(in.cpu) {
		copy(cpu, in.cpu) // the live engine's CPU samples, in its schema's path order
	}
	verdicts := profile.Verdicts(&schema, profile.Evidence{
		Hits: hits, Counted: sc.Counted, Samples: cpu,
		Settled: profile.Settled(in.ended, s.Elapsed-s.EpochStart),
	})
	var pathVerdict map[string]profile.Verdict
	f.Gates, pathVerdict = gateRows(decl, verdicts)

	f.Paths = make([]PathRow, 0, len(decl.Paths)+3)
	for p, path := range decl.Paths {
		row := PathRow{
			Key: path.ID, Name: path.Name,
			CPUPercent: math.NaN(),
			HitsPerSec: in.rates.Path(pathAt(p)),
			Verdict:    pathVerdict[path.ID],
			Gate:       strings.Join(decl.Guarding(path.ID), ","),
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

// fill sets f's class columns and rows, one per class of decl, from in's
// sample and rates, shaped by sc; classAt maps a row to sc's class (-1:
// none), rateOf reads a row's rate of a role (RoleFast: its fast ratio).
func (in *frameInput) fill(f *Frame, sc, decl *target.Schema, classAt func(int) int, rateOf func(r *sampler.Rates, c int, role target.Role) float64) {
	s := &in.sample
	n := len(sc.Counters)
	fillClasses(f, classInput{
		schema: decl,
		value:  func(c int, role target.Role) float64 { return rateOf(&in.rates, c, role) },
		count: func(c int, role target.Role) uint64 {
			if k, fc := sc.CounterOf(role), classAt(c); k >= 0 && fc >= 0 && sc.Fits(&s.Snap) {
				return s.Snap.At(fc, k, n)
			}
			return 0
		},
		history:      len(in.history),
		callsAt:      func(i, c int) float64 { return rateOf(&in.history[i], c, target.RoleCalls) },
		fastMeasured: func(c int) bool { return !decl.Classes[c].NoFast },
		blockSizes:   blockSized(decl),
		unboundedBytes: func(int) (uint64, bool) {
			if sc.Target != embedded.Name {
				return 0, false
			}
			// Large blocks have no class size: the allocator counts their bytes.
			return embedded.LargeBytes(sc, &s.Snap), true
		},
	})
}

// blockSized reports whether sc's classes are block sizes, so a class's
// calls and frees count the same blocks. The preload shim's request classes
// are not: a free counts in the class of the block's usable size, so per
// class calls - frees is not the blocks in use.
func blockSized(sc *target.Schema) bool { return sc.Target != process.TableRequests }

// callsPerSec returns the allocs and frees per second of every class in
// r, a target's rates shaped by sc: what the header and the chart show of a
// program whose own operations haktop does not count.
func callsPerSec(sc *target.Schema, r *sampler.Rates) float64 {
	n := len(sc.Counters)
	kc, kf := sc.CounterOf(target.RoleCalls), sc.CounterOf(target.RoleFree)
	t := 0.0
	for c := range sc.Classes {
		t += r.Rate(c, kc, n)
		if kf >= 0 {
			t += r.Rate(c, kf, n)
		}
	}
	return t
}

// callsUnit names what callsPerSec counts for sc.
func callsUnit(sc *target.Schema) string {
	if sc.Has(target.RoleFree) {
		return "alloc+free/s"
	}
	return "alloc/s"
}

// classInput is what a frame's class rows are built from, in the target's
// terms: its schema, and accessors over whatever shape its source keeps
// rates and counts in.
type classInput struct {
	schema *target.Schema
	// value returns class c's rate per second of the counter with role
	// over the last interval, or for RoleFast its fast ratio (0..1).
	value func(c int, role target.Role) float64
	// count returns class c's cumulative count of the counter with role
	// (calls or free) in the epoch.
	count   func(c int, role target.Role) uint64
	history int                    // how many samples of history the sparklines get
	callsAt func(i, c int) float64 // class c's calls per second in history sample i, oldest first
	// fastMeasured reports whether class c has a fast path (a large tier of
	// mmaps has none: its ratio is not 0%, it is not there); nil: every class.
	fastMeasured func(c int) bool
	// blockSizes says the classes are of block sizes, so a class's calls
	// and frees count the same blocks: only then are blocks and bytes in
	// use known.
	blockSizes bool
	// unboundedBytes returns the bytes in use in class c, which has no upper
	// size, when the target counts them; nil or false: not known.
	unboundedBytes func(c int) (uint64, bool)
}

// classColumns returns the columns s's counters' roles allow, in table order.
func classColumns(s *target.Schema) []ClassColumn {
	out := make([]ClassColumn, 0, len(ClassColumns))
	for _, col := range ClassColumns {
		if s.Has(col.Role) && (col.Role != target.RoleFast || s.Has(target.RoleCalls)) {
			out = append(out, col)
		}
	}
	return out
}

// fillClasses sets f's class columns and rows from in.
func fillClasses(f *Frame, in classInput) {
	sc := in.schema
	f.Columns = classColumns(sc)
	hasCalls := sc.Has(target.RoleCalls)
	f.Live = hasCalls && sc.Has(target.RoleFree) && in.blockSizes
	n := len(sc.Classes)
	values := make([]float64, n*len(f.Columns))
	var history []float64
	if hasCalls {
		history = make([]float64, n*in.history)
	}
	f.Classes = make([]ClassRow, n)
	for c, cl := range sc.Classes {
		row := ClassRow{
			Class:     cl.Name,
			Size:      cl.Max,
			SizeLabel: textfmt.ClassSize(cl.Min, cl.Max),
			Tier:      cl.Tier,
			Values:    values[c*len(f.Columns) : (c+1)*len(f.Columns) : (c+1)*len(f.Columns)],
		}
		if cl.Max == 0 {
			row.Size = cl.Min // unbounded: its size is its smallest request
		}
		calls := 0.0
		if hasCalls {
			calls = in.value(c, target.RoleCalls)
		}
		for i, col := range f.Columns {
			v := in.value(c, col.Role)
			if col.Ratio() && (calls == 0 || (in.fastMeasured != nil && !in.fastMeasured(c))) {
				v = math.NaN() // idle, or no fast path: no ratio, not 0%
			}
			row.Values[i] = v
		}
		if f.Live {
			// Heaps publish on their own schedules, so a remote free can be
			// counted before its alloc: a difference below zero is zero.
			if a, fr := in.count(c, target.RoleCalls), in.count(c, target.RoleFree); a > fr {
				row.LiveBlocks = a - fr
			}
			row.LiveBytes = row.LiveBlocks * uint64(cl.Max)
			if cl.Max == 0 && in.unboundedBytes != nil {
				if b, ok := in.unboundedBytes(c); ok {
					row.LiveBytes = b
				}
			}
		}
		if hasCalls {
			row.History = history[c*in.history : (c+1)*in.history : (c+1)*in.history]
			for i := range row.History {
				row.History[i] = in.callsAt(i, c)
			}
		}
		f.Classes[c] = row
	}
}

// gateRows returns the gate rows of verdicts, the kinds from schema, and
// each guarded path's most alarming verdict.
func gateRows(schema *target.Schema, verdicts []profile.GateVerdict) ([]GateRow, map[string]profile.Verdict) {
	pathVerdict := map[string]profile.Verdict{}
	rows := make([]GateRow, len(verdicts))
	for i, gv := range verdicts {
		row := GateRow{Env: gv.Env, Value: gv.Value, Source: gv.Source, Verdict: gv.Verdict}
		if decl := schema.Gate(gv.Env); decl != nil {
			row.Kind = decl.Kind
		}
		for _, pv := range gv.Paths {
			row.Paths = append(row.Paths, pv.Path)
			if severity(pv.Verdict) > severity(pathVerdict[pv.Path]) {
				pathVerdict[pv.Path] = pv.Verdict
			}
		}
		rows[i] = row
	}
	return rows, pathVerdict
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
