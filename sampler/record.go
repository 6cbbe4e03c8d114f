package sampler

// Record, Event, Footer and Totals: the Go side of a recording's lines
// other than the header. Recorder writes them and Session reads them back;
// Totals is also how a summary adds counters across allocator restarts.

import (
	"slices"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// RecordKind tells what a Record holds.
type RecordKind int

const (
	KindSample RecordKind = iota // Record.Sample is set
	KindEvent                    // Record.Event is set
)

// Record is one sample or event read from a recording.
type Record struct {
	Num    int // the record's number in the file: its line, the header being 1
	Kind   RecordKind
	Sample Sample // shaped by the header's Schema; Rates are computed from the previous sample in the file
	Event  Event
}

// Event kinds haktop writes. Readers must skip kinds they do not know.
const (
	EventRestart = "restart" // the target restarted: Gates and Workload hold what runs now, counters restart at zero
	EventPause   = "pause"   // the workload paused
	EventResume  = "resume"  // the workload resumed
	EventNote    = "note"    // free text in Message
)

// Event is something that happened during a session other than a sample.
type Event struct {
	Elapsed time.Duration
	Kind    string
	Epoch   int           // the counter epoch in force after the event (see Sample.Epoch)
	Message string        // e.g. "HAKMEM_POOL_V2_ENABLED 0 -> 1"
	Gates   []target.Gate // for EventRestart: every gate's value from now on
	// Workload, for EventRestart, is the workload from now on (w, + and -
	// change it); nil in recordings from before it was written.
	Workload *workload.Spec
}

// Footer closes a recording.
type Footer struct {
	End     time.Time
	Reason  string        // why the session ended, e.g. "done", "interrupt", "terminated"
	Elapsed time.Duration // of the last sample
	Samples int
	Events  int
	Drops   uint64 // samples the live sampler's subscribers missed (the recording misses none)
	Totals  Totals
	Exit    *Exit // how the recorded command ended (record -- CMD); nil for a workload
}

// Exit is how a recorded command ended: its exit code, or the signal that
// killed it.
type Exit struct {
	Code   int    `json:"code"`
	Signal string `json:"signal,omitempty"` // e.g. "SIGSEGV"; "" when it exited
	Core   bool   `json:"core,omitempty"`   // it dumped core
}

// Totals are counters summed over every counter epoch of a session, in
// the layout of its schema's Snapshot (Counters is the class x counter
// matrix). The zero Totals, of no sample, has nil slices.
type Totals struct {
	Ops      int64
	Counters []uint64
	Paths    []uint64
	Invalid  []uint64
}

// Snapshot returns t as a snapshot of the session's schema (no gauges,
// heaps or process figures: totals have none), sharing t's slices.
func (t Totals) Snapshot() target.Snapshot {
	return target.Snapshot{Counters: t.Counters, Paths: t.Paths, Invalid: t.Invalid, Ops: t.Ops}
}

// Equal reports whether t and u hold the same counts; a nil slice equals
// zeros of any length.
func (t Totals) Equal(u Totals) bool {
	eq := func(a, b []uint64) bool {
		if len(a) == len(b) {
			return slices.Equal(a, b)
		}
		return !slices.ContainsFunc(a, func(v uint64) bool { return v != 0 }) && !slices.ContainsFunc(b, func(v uint64) bool { return v != 0 })
	}
	return t.Ops == u.Ops && eq(t.Counters, u.Counters) && eq(t.Paths, u.Paths) && eq(t.Invalid, u.Invalid)
}

// TotalsOf returns the counters of samples summed over their epochs: each
// epoch contributes its last sample, whose counters are cumulative.
func TotalsOf(samples []Sample) Totals {
	var acc totalsAcc
	for _, s := range samples {
		acc.observe(s)
	}
	return acc.totals()
}

// totalsAcc sums epochs as samples stream past.
type totalsAcc struct {
	done Totals // completed epochs
	last Sample
	seen bool
}

func (t *totalsAcc) observe(s Sample) {
	if t.seen && s.Epoch != t.last.Epoch {
		t.done.add(t.last)
	}
	t.last, t.seen = s, true
}

func (t *totalsAcc) totals() Totals {
	out := t.done
	out.Counters, out.Paths, out.Invalid = slices.Clone(out.Counters), slices.Clone(out.Paths), slices.Clone(out.Invalid)
	if t.seen {
		out.add(t.last)
	}
	return out
}

func (t *Totals) add(s Sample) {
	t.Ops += s.Snap.Ops
	addTo(&t.Counters, s.Snap.Counters)
	addTo(&t.Paths, s.Snap.Paths)
	addTo(&t.Invalid, s.Snap.Invalid)
}

// addTo adds v to *sum element by element, sizing *sum to v at first.
func addTo(sum *[]uint64, v []uint64) {
	if len(*sum) < len(v) {
		*sum = append(*sum, make([]uint64, len(v)-len(*sum))...)
	}
	for i, x := range v {
		(*sum)[i] += x
	}
}
