package live

// TargetView: frames of any target from its Schema and the Snapshots it
// gives, the generic half of the process Source (process.go) and the Source
// tests drive with the fake target (target/targettest). It keeps the last
// snapshot, the rates between it and the one before, and the sparklines'
// history, in the target's shape (its classes, counters and paths); the
// class rows are filled by build.go's fillClasses, as for the embedded
// allocator.

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target"
)

// TargetView builds the frames of a target from its snapshots. It is a
// Source whose commands are all ErrNotSupported; Add gives it a snapshot.
// It is safe for use by several goroutines.
type TargetView struct {
	mu     sync.Mutex
	schema target.Schema
	name   string // the header's workload field
	seq    uint64
	last   target.Snapshot // the latest snapshot, nil Counters before the first
	at     time.Duration   // its time
	rates  targetRates     // from the one before to it
	ops    []float64       // recent ops per second, oldest first
	calls  [][]float64     // recent calls per second, per sample, per class
	status Status
	proc   *ProcessInfo
	ended  bool // the target has ended: its zeros are final, no warm-up to wait for
	// requestSizes says the classes are of request sizes, not block
	// sizes (the preload shim's table): a class's frees are counted by the
	// size of the block freed, so calls - frees per class and bytes in use
	// are not known, and no live blocks or bytes are shown.
	requestSizes bool
	// callsAsOps makes OpsPerSec the target's allocs (and frees, when it
	// counts them) per second, for a program whose operations haktop does
	// not know.
	callsAsOps bool
	frame      Frame
}

// targetRates are a target's per-second rates over the span between two
// snapshots, in its schema's shape.
type targetRates struct {
	span     time.Duration
	ops      float64
	counters []float64 // class c's counter k at c*len(Counters)+k, as target.Snapshot
	paths    []float64
}

// snapshotRates returns the rates from snapshot a to the later b, span
// apart. A counter that went back (it cannot, within a process) counts as
// no events, not as a wrap; a zero a (no Counters) is all zeros.
func snapshotRates(a, b *target.Snapshot, span time.Duration) targetRates {
	r := targetRates{span: span, counters: make([]float64, len(b.Counters)), paths: make([]float64, len(b.Paths))}
	if span <= 0 {
		return r
	}
	sec := span.Seconds()
	per := func(from []uint64, i int, to uint64) float64 {
		var f uint64
		if i < len(from) {
			f = from[i]
		}
		if to <= f {
			return 0
		}
		return float64(to-f) / sec
	}
	for i, v := range b.Counters {
		r.counters[i] = per(a.Counters, i, v)
	}
	for i, v := range b.Paths {
		r.paths[i] = per(a.Paths, i, v)
	}
	if b.Ops > a.Ops {
		r.ops = float64(b.Ops-a.Ops) / sec
	}
	return r
}

// NewTargetView returns the view of a target described by schema; name is
// what the header calls it (e.g. the target's name).
func NewTargetView(schema target.Schema, name string) *TargetView {
	v := &TargetView{schema: schema, name: name, status: Status{Worker: -1}}
	v.frame = v.build()
	return v
}

// Add takes the target's snapshot at time at (since the target started)
// and rebuilds the frame: the rates are those since the previous snapshot
// (or since 0, from zero counters, for the first).
func (v *TargetView) Add(at time.Duration, snap target.Snapshot) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.rates = snapshotRates(&v.last, &snap, at-v.at)
	v.last, v.at = snap.Clone(), at
	nk := len(v.schema.Counters)
	calls := make([]float64, len(v.schema.Classes))
	if k := v.schema.CounterOf(target.RoleCalls); k >= 0 {
		for c := range calls {
			calls[c] = v.rates.counters[c*nk+k]
		}
	}
	if v.callsAsOps {
		v.rates.ops = 0
		kc, kf := v.schema.CounterOf(target.RoleCalls), v.schema.CounterOf(target.RoleFree)
		for c := range v.schema.Classes {
			for _, k := range []int{kc, kf} {
				if k >= 0 && c*nk+k < len(v.rates.counters) {
					v.rates.ops += v.rates.counters[c*nk+k]
				}
			}
		}
	}
	if snap.Unmeasured == "" { // no chart of zeros that were never counted
		v.ops = pushHistory(v.ops, v.rates.ops)
	}
	v.calls = pushHistory(v.calls, calls)
	v.seq++
	v.frame = v.build()
}

// rebase makes snap, at time at, the baseline of the next rates without
// a new frame (a paused target's counters, say).
func (v *TargetView) rebase(at time.Duration, snap target.Snapshot) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.last, v.at = snap.Clone(), at
}

// pushHistory appends x, keeping the last HistoryLen.
func pushHistory[T any](h []T, x T) []T {
	if len(h) >= HistoryLen {
		h = slices.Delete(h, 0, len(h)-HistoryLen+1)
	}
	return append(h, x)
}

// update changes the view's status and process info under its lock and
// rebuilds the frame (with the same Seq when only the status changed).
func (v *TargetView) update(f func(s *Status, p **ProcessInfo), fresh bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f(&v.status, &v.proc)
	if fresh {
		v.seq++
	}
	v.frame = v.build()
}

// build returns the frame of the latest snapshot; v.mu is held.
func (v *TargetView) build() Frame {
	sc := &v.schema
	snap := &v.last
	f := Frame{
		Seq:        v.seq,
		Workload:   v.name,
		Target:     v.schema.Target,
		Workers:    snap.Heaps,
		OpsUnit:    v.opsUnit(),
		Elapsed:    v.at,
		OpsPerSec:  v.rates.ops,
		OpsHistory: slices.Clone(v.ops),
		RSS:        snap.Proc.RSSBytes,
		Status:     v.status,
	}
	f.Status.Warnings = slices.Clone(v.status.Warnings)
	if v.proc != nil {
		p := *v.proc
		f.Process = &p
	}
	nk := len(sc.Counters)
	measured := len(snap.Counters) == len(sc.Classes)*nk && len(v.rates.counters) == len(snap.Counters)
	if !measured {
		snap = &target.Snapshot{Counters: make([]uint64, len(sc.Classes)*nk), Paths: make([]uint64, len(sc.Paths))}
	}
	rate := func(c, k int) float64 {
		if !measured {
			return 0
		}
		return v.rates.counters[c*nk+k]
	}
	kCalls, kFast := sc.CounterOf(target.RoleCalls), sc.CounterOf(target.RoleFast)
	fillClasses(&f, classInput{
		schema: sc,
		value: func(c int, role target.Role) float64 {
			if role == target.RoleFast {
				if calls := rate(c, kCalls); calls > 0 {
					return rate(c, kFast) / calls
				}
				return math.NaN()
			}
			return rate(c, sc.CounterOf(role))
		},
		count:      func(c int, role target.Role) uint64 { return snap.At(c, sc.CounterOf(role), nk) },
		blockSizes: !v.requestSizes,
		history:    len(v.calls),
		callsAt:    func(i, c int) float64 { return v.calls[i][c] },
	})

	var pathVerdict map[string]profile.Verdict
	f.Gates, pathVerdict = gateRows(sc, profile.Verdicts(sc, profile.Evidence{
		Hits: snap.Paths, Counted: sc.Counted && measured, Settled: profile.Settled(v.ended, v.at),
	}))
	f.Paths = make([]PathRow, len(sc.Paths))
	for i, p := range sc.Paths {
		row := PathRow{Key: p.ID, Name: p.Name, CPUPercent: math.NaN(), HitsPerSec: math.NaN(),
			Gate: strings.Join(sc.Guarding(p.ID), ","), Verdict: pathVerdict[p.ID]}
		if measured && i < len(v.rates.paths) {
			row.HitsPerSec = v.rates.paths[i]
		}
		f.Paths[i] = row
	}
	return f
}

// opsUnit names what OpsPerSec counts.
func (v *TargetView) opsUnit() string {
	switch {
	case v.callsAsOps && v.schema.Has(target.RoleFree):
		return "alloc+free/s"
	case v.callsAsOps:
		return "alloc/s"
	}
	return ""
}

// Frame returns the latest frame.
func (v *TargetView) Frame() Frame {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.frame
}

// Apply answers every command with ErrNotSupported: the view only shows.
func (v *TargetView) Apply(c Command) (string, error) {
	return "", ErrNotSupported(commandName(c.Kind))
}

// Close does nothing: the view owns no resources.
func (v *TargetView) Close() error { return nil }

// commandName says what a command asks for, for ErrNotSupported.
func commandName(k CommandKind) string {
	switch k {
	case CmdTogglePause:
		return "pausing (space)"
	case CmdCycleWorkload:
		return "changing the workload (w)"
	case CmdWorkers:
		return "changing the workers (+/-)"
	case CmdWorkerFilter:
		return "a per-worker view (t)"
	case CmdRecord:
		return "recording (r)"
	case CmdExport:
		return "exporting (e)"
	case CmdToggleGate, CmdSetGate:
		return "setting a gate (g, v)"
	case CmdSeek:
		return "seeking (←/→)"
	case CmdSpeed:
		return "a replay speed (1/2/4/8)"
	}
	return "that key"
}
