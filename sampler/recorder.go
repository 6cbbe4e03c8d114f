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

	schema target.Schema // the header's
	target *wireSample   // the last RecordTarget sample, for the footer's totals
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

// Record appends a sample. It returns the first write error the Recorder
// met, now or earlier.
func (r *Recorder) Record(s Sample) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base != nil {
		s = rebase(*r.base, s)
	}
	if err := r.writeLine(encodeSample(s)); err != nil {
		return err
	}
	r.samples++
	r.last = s
	r.totals.observe(s)
	return nil
}

// RecordTarget appends a sample of a target other than the embedded
// allocator (a command run under the preload shim): snap is shaped by the
// header's Schema, and its class x counter matrix and path hits are
// written as they are, in the schema's order, under one counter epoch.
// Close then takes the footer's totals from the last one. It is the
// narrow generic path until Sample holds a target.Snapshot (issue 13):
// Record and RecordTarget are not mixed in one recording.
func (r *Recorder) RecordTarget(seq int, elapsed time.Duration, snap target.Snapshot) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	nk := len(r.schema.Counters)
	if len(snap.Counters) != len(r.schema.Classes)*nk || len(snap.Paths) != len(r.schema.Paths) {
		return fmt.Errorf("recording %s: a snapshot of %d counters and %d paths for a schema of %d classes x %d counters and %d paths",
			r.path, len(snap.Counters), len(snap.Paths), len(r.schema.Classes), nk, len(r.schema.Paths))
	}
	rows := make([][]uint64, len(r.schema.Classes))
	for c := range rows {
		rows[c] = append([]uint64(nil), snap.Row(c, nk)...)
	}
	w := wireSample{Type: typeSample, Seq: seq, ElapsedNS: int64(elapsed), Ops: snap.Ops, Heaps: snap.Heaps,
		Classes: rows, Paths: append([]uint64{}, snap.Paths...), Proc: wireProc{RSSBytes: snap.Proc.RSSBytes}}
	if err := r.writeLine(w); err != nil {
		return err
	}
	r.samples++
	r.last.Elapsed = elapsed
	r.target = &w
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
	t := r.totals.totals()
	wf := wireFooter{
		Type: typeFooter, End: f.End, Reason: f.Reason, ElapsedNS: int64(r.last.Elapsed),
		Samples: r.samples, Events: r.events, Drops: f.Drops, Ops: t.Ops,
		Classes: encodeClasses(&t.Classes), Paths: append([]uint64(nil), t.Paths[:]...), Invalid: t.Invalid,
		Exit: f.Exit,
	}
	if w := r.target; w != nil {
		wf.Ops, wf.Classes, wf.Paths, wf.Invalid = w.Ops, w.Classes, w.Paths, w.Invalid
	} else if r.samples == 0 && r.schema.Target != "" && len(r.schema.Counters) != numCounters {
		// no sample of a non-embedded target: its zero totals in its own shape
		wf.Classes = make([][]uint64, len(r.schema.Classes))
		for c := range wf.Classes {
			wf.Classes[c] = make([]uint64, len(r.schema.Counters))
		}
		wf.Paths = make([]uint64, len(r.schema.Paths))
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
// count from base, and in base's epoch every cumulative counter (classes,
// paths, invalid frees, ops, superslab maps and unmaps) counts from
// base's value. Gauges (memory mapped now, heaps, the process) are kept.
func rebase(base, s Sample) Sample {
	s.Seq -= base.Seq + 1
	s.Elapsed -= base.Elapsed
	if s.Epoch != base.Epoch { // a later epoch started from zero after base
		s.EpochStart -= base.Elapsed
		s.Epoch -= base.Epoch
		return s
	}
	s.Epoch, s.EpochStart = 0, 0
	s.Ops = max(0, s.Ops-base.Ops)
	for c := range s.Snap.Classes {
		cols, from := counterRow(&s.Snap.Classes[c].Counters), counterRow(&base.Snap.Classes[c].Counters)
		for k := range cols {
			*cols[k] = delta(*from[k], *cols[k])
		}
	}
	for p := range s.Snap.Paths {
		s.Snap.Paths[p] = delta(base.Snap.Paths[p], s.Snap.Paths[p])
	}
	v, w := &s.Snap.Invalid, base.Snap.Invalid
	v.HeaderMissing, v.OutOfRange = delta(w.HeaderMissing, v.HeaderMissing), delta(w.OutOfRange, v.OutOfRange)
	v.Misaligned, v.Unknown = delta(w.Misaligned, v.Misaligned), delta(w.Unknown, v.Unknown)
	m, n := &s.Snap.Memory, base.Snap.Memory
	m.SuperslabMaps, m.SuperslabUnmaps = delta(n.SuperslabMaps, m.SuperslabMaps), delta(n.SuperslabUnmaps, m.SuperslabUnmaps)
	s.Rates = Rates{} // a reader derives them again from the rebased counters
	return s
}
