package sampler

// Record, Event, Footer and Totals: the Go side of a recording's lines
// other than the header. Recorder writes them and Session reads them back;
// Totals is also how a summary adds counters across allocator restarts.

import (
	"time"

	"github.com/haktop/haktop/allocator"
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
	Sample Sample       // Rates are computed from the previous sample in the file
	Target TargetSample // instead of Sample, when read by LoadTarget
	Event  Event
}

// Event kinds haktop writes. Readers must skip kinds they do not know.
const (
	EventRestart = "restart" // the allocator restarted: Gates and Workload hold what runs now, counters restart at zero
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

// Totals are counters summed over every counter epoch of a session.
type Totals struct {
	Ops     int64
	Classes [allocator.NumClasses]allocator.Counters
	Paths   [allocator.NumPaths]uint64
	Invalid allocator.Invalid
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
	if t.seen {
		out.add(t.last)
	}
	return out
}

func (t *Totals) add(s Sample) {
	t.Ops += s.Ops
	for c := range t.Classes {
		t.Classes[c].Add(s.Snap.Classes[c].Counters)
	}
	for p := range t.Paths {
		t.Paths[p] += s.Snap.Paths[p]
	}
	t.Invalid.HeaderMissing += s.Snap.Invalid.HeaderMissing
	t.Invalid.OutOfRange += s.Snap.Invalid.OutOfRange
	t.Invalid.Misaligned += s.Snap.Invalid.Misaligned
	t.Invalid.Unknown += s.Snap.Invalid.Unknown
}
