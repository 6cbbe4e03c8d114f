package live

// TargetView: frames of any target from its Schema and the Snapshots it
// gives, the generic half of the process Source (process.go) and the Source
// tests drive with the fake target (target/targettest). It keeps the last
// snapshot as a sampler.Sample, the rates between it and the one before
// (sampler.RatesBetween, the one rate function every reader uses), and the
// sparklines' history, in the target's shape (its classes, counters and
// paths); the class rows are filled by build.go's fillClasses, as for the
// embedded allocator.

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
)

// TargetView builds the frames of a target from its snapshots. It is a
// Source whose commands are all ErrNotSupported; Add gives it a snapshot.
// It is safe for use by several goroutines.
type TargetView struct {
	mu         sync.Mutex
	schema     target.Schema
	name       string // the header's workload field
	seq        uint64
	last       sampler.Sample // the latest snapshot and its time; zero before the first
	rates      sampler.Rates  // from the one before to it (sampler.RatesBetween)
	ops        float64        // what OpsPerSec shows: the target's ops, or its calls (callsAsOps)
	opsHistory []float64      // recent ops per second, oldest first
	calls      [][]float64    // recent calls per second, per sample, per class
	status     Status
	proc       *ProcessInfo
	ended      bool // the target has ended: its zeros are final, no warm-up to wait for
	// callsAsOps makes OpsPerSec the target's allocs (and frees, when it
	// counts them) per second, for a program whose operations haktop does
	// not know.
	callsAsOps bool
	frame      Frame
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
	next := sampler.Sample{Seq: int(v.seq), Elapsed: at, Snap: snap.Clone()}
	v.rates = sampler.RatesBetween(&v.schema, v.last, next)
	v.last = next
	nk := len(v.schema.Counters)
	kc := v.schema.CounterOf(target.RoleCalls)
	calls := make([]float64, len(v.schema.Classes))
	for c := range calls {
		calls[c] = v.rates.Rate(c, kc, nk)
	}
	v.ops = v.rates.OpsPerSec
	if v.callsAsOps {
		v.ops = callsPerSec(&v.schema, &v.rates)
	}
	if snap.Unmeasured == "" { // no chart of zeros that were never counted
		v.opsHistory = pushHistory(v.opsHistory, v.ops)
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
	v.last = sampler.Sample{Seq: int(v.seq), Elapsed: at, Snap: snap.Clone()}
}

// pushHistory appends x, keeping the last HistoryLen.
func pushHistory[T any](h []T, x T) []T {
	if len(h) >= HistoryLen {
		h = slices.Delete(h, 0, len(h)-HistoryLen+1)
	}
	return append(h, x)
}

// update changes the view's status and process info under its lock and
// rebuilds the frame, with the same Seq: the data did not change.
func (v *TargetView) update(f func(s *Status, p **ProcessInfo)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f(&v.status, &v.proc)
	v.frame = v.build()
}

// finish marks the target ended: its zeros are final, its verdicts need no
// warm-up.
func (v *TargetView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.ended = true
	v.frame = v.build()
}

// build returns the frame of the latest snapshot; v.mu is held.
func (v *TargetView) build() Frame {
	sc := &v.schema
	snap := &v.last.Snap
	f := Frame{
		Seq:        v.seq,
		Workload:   v.name,
		Target:     v.schema.Target,
		Workers:    snap.Heaps,
		OpsUnit:    v.opsUnit(),
		Elapsed:    v.last.Elapsed,
		OpsPerSec:  v.ops,
		OpsHistory: slices.Clone(v.opsHistory),
		RSS:        snap.Proc.RSSBytes,
		Status:     v.status,
	}
	f.Status.Warnings = slices.Clone(v.status.Warnings)
	if v.proc != nil {
		p := *v.proc
		f.Process = &p
	}
	nk := len(sc.Counters)
	measured := sc.Fits(snap) && len(v.rates.Counters) == len(snap.Counters)
	if !measured {
		snap = &target.Snapshot{Counters: make([]uint64, len(sc.Classes)*nk), Paths: make([]uint64, len(sc.Paths))}
	}
	rate := func(c, k int) float64 {
		if !measured {
			return 0
		}
		return v.rates.Rate(c, k, nk)
	}
	fillClasses(&f, classInput{
		schema: sc,
		value: func(c int, role target.Role) float64 {
			if role == target.RoleFast {
				r, _ := v.rates.Fast(c) // NaN'd by fillClasses for a class with no calls
				return r
			}
			return rate(c, sc.CounterOf(role))
		},
		count:        func(c int, role target.Role) uint64 { return snap.At(c, sc.CounterOf(role), nk) },
		blockSizes:   blockSized(sc),
		fastMeasured: func(c int) bool { return !sc.Classes[c].NoFast },
		history:      len(v.calls),
		callsAt:      func(i, c int) float64 { return v.calls[i][c] },
	})

	var pathVerdict map[string]profile.Verdict
	f.Gates, pathVerdict = gateRows(sc, profile.Verdicts(sc, profile.Evidence{
		Hits: snap.Paths, Counted: sc.Counted && measured, Settled: profile.Settled(v.ended, v.last.Elapsed),
	}))
	f.Paths = make([]PathRow, len(sc.Paths))
	for i, p := range sc.Paths {
		row := PathRow{Key: p.ID, Name: p.Name, CPUPercent: math.NaN(), HitsPerSec: math.NaN(),
			Gate: strings.Join(sc.Guarding(p.ID), ","), Verdict: pathVerdict[p.ID]}
		if measured {
			row.HitsPerSec = v.rates.Path(i)
		}
		f.Paths[i] = row
	}
	return f
}

// opsUnit names what OpsPerSec counts.
func (v *TargetView) opsUnit() string {
	if v.callsAsOps {
		return callsUnit(&v.schema)
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
