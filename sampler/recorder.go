package sampler

// Recorder writes one session to one file: the header at Create, a line
// per Record or Event, the footer at Close. A recording started partway
// through a session (Sampler.AddRecorder) is written as if the session had
// begun then: rebase subtracts the moment it started. Every line reaches the OS
// before the call returns (through a gzip Flush for .gz files), so a
// process killed at any moment leaves a prefix Session can read. A mutex
// lets the sampler's sink and the UI's event calls share one Recorder.

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haktop/haktop/target"
)

// Recorder appends a session to a file.
type Recorder struct {
	path string

	mu      sync.Mutex
	f       io.WriteCloser
	gz      *gzip.Writer // nil unless path ends in .gz
	w       io.Writer
	err     error // sticky: the first write error, or errClosed
	records int   // lines written, header included
	samples int
	events  int
	last    Sample
	totals  totalsAcc
	base    *Sample // set by startAt: what Record and Event subtract

	schema target.Schema // the header's: every sample is shaped by it
}

var errClosed = errors.New("recorder is closed")

// Create truncates or creates path and writes h to it; a path ending in
// ".gz" is gzip-compressed. Format and Version are set by Create.
func Create(path string, h Header) (*Recorder, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	return NewRecorder(path, f, strings.HasSuffix(path, ".gz"), h)
}

// NewRecorder writes h to f, gzip-compressed when gz is set, and returns the
// Recorder that appends the session to it; name is what its errors call f.
// Close closes f. Create is NewRecorder on a file it creates; callers that
// open the file themselves (e.g. refusing to overwrite one) or write to
// stdout use NewRecorder.
func NewRecorder(name string, f io.WriteCloser, gz bool, h Header) (*Recorder, error) {
	r := &Recorder{path: name, f: f, w: f}
	if gz {
		r.gz = gzip.NewWriter(f)
		r.w = r.gz
	}
	wh := wireHeader{
		Type: typeHeader, Format: FormatName, Version: FormatVersion, Start: h.Start,
		Haktop: h.Haktop, GoVersion: h.GoVersion, OS: h.OS, Arch: h.Arch, CPUs: h.CPUs, GOMAXPROCS: h.GOMAXPROCS,
		IntervalNS: int64(h.Interval), StatsCompiled: h.StatsCompiled, Workload: toWireSpec(h.Workload),
		Command: h.Command,
	}
	schema := h.schema()
	wh.Schema = &schema
	r.schema = schema
	if err := r.writeLine(wh); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// Path returns the file the Recorder writes.
func (r *Recorder) Path() string { return r.path }

// Records returns how many records are written so far, header and footer included.
func (r *Recorder) Records() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.records
}

// startAt makes the recording start at base, a session's state at the
// moment recording began (Sampler.AddRecorder): every later sample and
// event is written relative to it.
func (r *Recorder) startAt(base Sample) {
	r.mu.Lock()
	r.base = &base
	r.mu.Unlock()
}

// Record appends a sample, shaped by the header's Schema. It returns the
// first write error the Recorder met, now or earlier, or an error naming
// the shapes when s does not fit the schema.
func (r *Recorder) Record(s Sample) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sc := &r.schema; !sc.Fits(&s.Snap) {
		return fmt.Errorf("recording %s: a snapshot of %d counters, %d paths and %d invalid kinds for a schema of %d classes x %d counters, %d paths and %d invalid kinds",
			r.path, len(s.Snap.Counters), len(s.Snap.Paths), len(s.Snap.Invalid), len(sc.Classes), len(sc.Counters), len(sc.Paths), len(sc.Invalid))
	}
	if r.base != nil {
		s = rebase(&r.schema, *r.base, s) // a copy of s's counters
	} else {
		s.Snap = s.Snap.Clone() // kept for the footer's totals: the caller may reuse its own
	}
	if err := r.writeLine(encodeSample(&r.schema, s)); err != nil {
		return err
	}
	r.samples++
	r.last = s
	r.totals.observe(s)
	return nil
}

// Event appends an event. It returns the first write error the Recorder met.
func (r *Recorder) Event(e Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.base; b != nil {
		e.Elapsed = max(0, e.Elapsed-b.Elapsed)
		e.Epoch = max(0, e.Epoch-b.Epoch)
	}
	we := wireEvent{Type: typeEvent, ElapsedNS: int64(e.Elapsed), Kind: e.Kind, Epoch: e.Epoch, Message: e.Message, Gates: e.Gates}
	if e.Workload != nil {
		w := toWireSpec(*e.Workload)
		we.Workload = &w
	}
	if err := r.writeLine(we); err != nil {
		return err
	}
	r.events++
	return nil
}

// Close writes the footer and closes the file. The Recorder fills the
// footer's Samples, Events and Totals from what it wrote, Elapsed from the
// last sample, and End with the current time when it is zero. It returns
// the first error met while writing or closing; later calls return an error.
func (r *Recorder) Close(f Footer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == errClosed {
		return fmt.Errorf("recording %s: %w", r.path, errClosed)
	}
	if r.err != nil { // an earlier write failed: close without a footer
		err := r.err
		r.closeFile()
		r.err = errClosed
		return fmt.Errorf("recording %s: %w", r.path, err)
	}
	if f.End.IsZero() {
		f.End = time.Now()
	}
	t, sc := r.totals.totals(), &r.schema
	wf := wireFooter{
		Type: typeFooter, End: f.End, Reason: f.Reason, ElapsedNS: int64(r.last.Elapsed),
		Samples: r.samples, Events: r.events, Drops: f.Drops, Ops: t.Ops,
		Classes: rows(t.Counters, len(sc.Classes), len(sc.Counters)), Paths: zeroed(t.Paths, len(sc.Paths)),
		Invalid: target.CountsOf(sc.Invalid, t.Invalid), Exit: f.Exit,
	}
	err := r.writeLine(wf)
	if cerr := r.closeFile(); err == nil {
		err = cerr
	}
	r.err = errClosed
	return err
}

func (r *Recorder) closeFile() error {
	var err error
	if r.gz != nil {
		err = r.gz.Close()
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("recording %s: %w", r.path, err)
	}
	return nil
}

// writeLine writes v as one line and pushes it to the OS.
func (r *Recorder) writeLine(v any) error {
	if r.err != nil {
		return fmt.Errorf("recording %s: %w", r.path, r.err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		r.err = err
		return fmt.Errorf("recording %s: %w", r.path, err)
	}
	b = append(b, '\n')
	if _, err = r.w.Write(b); err == nil && r.gz != nil {
		err = r.gz.Flush()
	}
	if err != nil {
		r.err = err
		return fmt.Errorf("recording %s: %w", r.path, err)
	}
	r.records++
	return nil
}

// rebase returns s, a sample taken after base in the same session, as a
// recording that began at base sees it: seq, elapsed time and epochs
// count from base, and in base's epoch every cumulative counter (the class
// x counter matrix, paths, invalid frees, ops, and the schema's Counting
// gauges, as superslab maps and unmaps) counts from base's value. The other
// gauges (memory mapped now), heaps and the process are kept. s's counters
// are copied, never changed in place: the sampler's ring shares them.
func rebase(sc *target.Schema, base, s Sample) Sample {
	s.Seq -= base.Seq + 1
	s.Elapsed -= base.Elapsed
	if s.Epoch != base.Epoch { // a later epoch started from zero after base
		s.EpochStart -= base.Elapsed
		s.Epoch -= base.Epoch
		return s
	}
	s.Epoch, s.EpochStart = 0, 0
	snap := s.Snap.Clone()
	snap.Ops = max(0, s.Snap.Ops-base.Snap.Ops)
	sub := func(to, from []uint64) {
		if len(from) != len(to) {
			return
		}
		for i := range to {
			to[i] = delta(from[i], to[i])
		}
	}
	sub(snap.Counters, base.Snap.Counters)
	sub(snap.Paths, base.Snap.Paths)
	sub(snap.Invalid, base.Snap.Invalid)
	if len(snap.Gauges) == len(sc.Gauges) && len(base.Snap.Gauges) == len(sc.Gauges) {
		for i, g := range sc.Gauges {
			if slices.Contains(sc.Counting, g) {
				snap.Gauges[i] = delta(base.Snap.Gauges[i], snap.Gauges[i])
			}
		}
	}
	s.Snap = snap
	s.Rates = Rates{} // a reader derives them again from the rebased counters
	return s
}
