package sampler

// Session reads a recording back, one record at a time, checking each line
// as it comes: a damaged file is an error naming the file and the record,
// and only a cut-short tail (what a killed recorder leaves) is forgiven, as
// a warning. Files of another layout of classes, counters or paths are read
// by name, so a recording survives the registries growing. A Session
// belongs to one goroutine.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/haktop/haktop/target"
)

// maxRecordBytes bounds one line; a sample line is a few KiB.
const maxRecordBytes = 4 << 20

// FileError is a recording that cannot be read.
type FileError struct {
	Path   string
	Record int // the record (line) at fault, from 1; 0 when it is the file as a whole
	Msg    string
}

func (e *FileError) Error() string {
	if e.Record == 0 {
		return e.Path + ": " + e.Msg
	}
	return fmt.Sprintf("%s: record %d: %s", e.Path, e.Record, e.Msg)
}

// Session streams the records of one recording.
type Session struct {
	path   string
	f      *os.File
	br     *bufio.Reader
	header Header

	num      int // the last record read
	samples  int
	events   int
	prev     Sample
	totals   totalsAcc // of the samples read, to check the footer's
	footer   *Footer
	warnings []string
	done     bool
	err      error
}

// Open opens the recording at path (plain or gzip, told by its first
// bytes) and reads its header. A file that is not a recording, has a bad
// header or a newer format version is a *FileError.
func Open(path string) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &FileError{Path: path, Msg: "cannot open: " + err.Error()}
	}
	s := &Session{path: path, f: f}
	if err := s.readHeader(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the file.
func (s *Session) Close() error { return s.f.Close() }

// Header returns the recording's header.
func (s *Session) Header() Header { return s.header }

// Warnings returns what was forgiven so far: a truncated last record, a
// missing footer, names this haktop does not know. Each names the file.
func (s *Session) Warnings() []string { return s.warnings }

// Footer returns the footer, once Next has returned io.EOF, and false
// when the recording has none (it was cut short).
func (s *Session) Footer() (Footer, bool) {
	if s.footer == nil {
		return Footer{}, false
	}
	return *s.footer, true
}

func (s *Session) fail(rec int, format string, args ...any) error {
	s.err = &FileError{Path: s.path, Record: rec, Msg: fmt.Sprintf(format, args...)}
	return s.err
}

func (s *Session) warn(rec int, format string, args ...any) {
	s.warnings = append(s.warnings, (&FileError{Path: s.path, Record: rec, Msg: fmt.Sprintf(format, args...)}).Error())
}

func (s *Session) readHeader() error {
	br := bufio.NewReader(s.f)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return s.fail(0, "not a readable gzip file: %v", err)
		}
		br = bufio.NewReader(zr)
	}
	s.br = br
	line, complete, err := s.readLine()
	switch {
	case err != nil:
		return err
	case len(line) == 0 && !complete:
		return s.fail(0, "empty file: not a haktop session recording")
	}
	notOurs := func() error {
		return s.fail(0, "not a haktop session recording (its first line is not a %q header)", FormatName)
	}
	if trimmed := bytes.TrimLeft(line, " \t"); len(trimmed) == 0 || trimmed[0] != '{' {
		return notOurs()
	}
	var h wireHeader
	if err := json.Unmarshal(line, &h); err != nil {
		if !complete && bytes.Contains(line, []byte(`"`+FormatName+`"`)) {
			return s.fail(1, "the header is truncated: the recording holds nothing readable")
		}
		return notOurs()
	}
	if h.Type != typeHeader || h.Format != FormatName {
		return notOurs()
	}
	switch {
	case h.Version > FormatVersion:
		return s.fail(1, "written in format version %d; this haktop reads versions 1 to %d: use a newer haktop", h.Version, FormatVersion)
	case h.Version < 1:
		return s.fail(1, "bad header: format version %d, want 1 to %d", h.Version, FormatVersion)
	case h.Version == 1 && (len(h.Classes) == 0 || len(h.Counters) == 0 || len(h.Paths) == 0):
		return s.fail(1, "bad header: it must list \"classes\", \"counters\" and \"paths\"")
	case h.Version >= 2 && (h.Schema == nil || h.Schema.Classes == nil || h.Schema.Counters == nil || h.Schema.Paths == nil ||
		h.Schema.Counted && (len(h.Schema.Classes) == 0 || len(h.Schema.Counters) == 0)):
		// A target may have no paths (the shim's request classes), and one
		// whose counters were not measured (a static program) none at all,
		// but it says so.
		return s.fail(1, "bad header: its \"schema\" must list \"classes\", \"counters\" and \"paths\"")
	case h.IntervalNS < 0:
		return s.fail(1, "bad header: negative interval_ns %d", h.IntervalNS)
	}
	var schema target.Schema
	if h.Version == 1 {
		schema = schemaOfV1(h.Classes, h.Counters, h.Paths, h.Gates, h.StatsCompiled, func(what, name string) {
			s.warn(1, "%s %q is unknown to this haktop: it is shown by name only", what, name)
		})
	} else {
		schema = *h.Schema
		h.Classes, h.Counters, h.Paths, h.Gates = schema.ClassNames(), schema.CounterNames(), schema.PathIDs(), gatesOfSchema(schema)
	}
	if h.Gates == nil {
		h.Gates = []target.Gate{}
	}
	s.header = Header{
		Format: h.Format, Version: h.Version, Start: h.Start, Haktop: h.Haktop, GoVersion: h.GoVersion,
		OS: h.OS, Arch: h.Arch, CPUs: h.CPUs, GOMAXPROCS: h.GOMAXPROCS, Interval: time.Duration(h.IntervalNS),
		StatsCompiled: h.StatsCompiled, Workload: h.Workload.spec(), Gates: h.Gates, Schema: schema, Command: h.Command,
	}
	s.num = 1
	if !complete {
		s.done = true
		s.warn(1, "the recording ends after its header")
	}
	return nil
}

// readLine returns the next line without its newline, and whether it had
// one: a line without is the cut-short end of the file. It returns an empty
// incomplete line at a clean end.
func (s *Session) readLine() (line []byte, complete bool, err error) {
	var buf []byte
	for {
		chunk, rerr := s.br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxRecordBytes {
			return nil, false, s.fail(s.num+1, "longer than %d bytes: not a haktop recording line", maxRecordBytes)
		}
		buf = append(buf, chunk...)
		switch {
		case rerr == nil:
			return buf[:len(buf)-1], true, nil
		case errors.Is(rerr, bufio.ErrBufferFull):
			continue
		case rerr == io.EOF, errors.Is(rerr, io.ErrUnexpectedEOF):
			// A plain file or a gzip stream cut short: what arrived is the prefix.
			return buf, false, nil
		default:
			return nil, false, s.fail(s.num+1, "unreadable: %v", rerr)
		}
	}
}

// Next returns the next sample or event, io.EOF after the last one, or a
// *FileError for a damaged record. A truncated last record ends the
// session with a warning instead.
func (s *Session) Next() (Record, error) {
	if s.err != nil {
		return Record{}, s.err
	}
	if s.done {
		return Record{}, io.EOF
	}
	line, complete, err := s.readLine()
	if err != nil {
		return Record{}, err
	}
	num := s.num + 1
	if len(line) == 0 && !complete {
		return Record{}, s.end(num)
	}
	if s.footer != nil {
		return Record{}, s.fail(num, "data after the footer")
	}
	var t typeOnly
	if err := json.Unmarshal(line, &t); err != nil {
		if !complete {
			s.warn(num, "truncated (the recording was cut short): using the %d records before it", num-1)
			return Record{}, s.end(num)
		}
		return Record{}, s.fail(num, "corrupt: %v", err)
	}
	s.num = num
	var rec Record
	switch t.Type {
	case typeSample:
		rec, err = s.decodeSample(num, line)
	case typeEvent:
		rec, err = s.decodeEvent(num, line)
	case typeFooter:
		err = s.decodeFooter(num, line)
		if err == nil {
			return s.Next()
		}
	case typeHeader:
		err = s.fail(num, "a second header")
	default:
		err = s.fail(num, "unknown record type %q: want sample, event or footer", t.Type)
	}
	if err != nil {
		return Record{}, err
	}
	// A record that parsed without its newline is the last: the next read
	// meets the end of the data and warns if no footer came.
	return rec, nil
}

// end marks a clean end of data at record num, warning when no footer came.
func (s *Session) end(num int) error {
	s.done = true
	if s.footer == nil {
		s.warn(num, "no footer: the session was cut short after record %d; its totals come from the last sample", num-1)
	}
	return io.EOF
}

// decodeCounters returns a line's class rows and path hits as a
// snapshot shaped by the header's schema, or an error naming what differs.
func (s *Session) decodeCounters(num int, rows [][]uint64, hits []uint64, inv target.Counts, gauges target.Counts) (target.Snapshot, error) {
	sc := &s.header.Schema
	if len(rows) != len(sc.Classes) {
		return target.Snapshot{}, s.fail(num, "corrupt: %d class rows, the header lists %d classes", len(rows), len(sc.Classes))
	}
	for i, row := range rows {
		if len(row) != len(sc.Counters) {
			return target.Snapshot{}, s.fail(num, "corrupt: class row %d has %d counters, the header lists %d", i, len(row), len(sc.Counters))
		}
	}
	if len(hits) != len(sc.Paths) {
		return target.Snapshot{}, s.fail(num, "corrupt: %d path counts, the header lists %d paths", len(hits), len(sc.Paths))
	}
	snap := sc.NewSnapshot()
	n := len(sc.Counters)
	for c, row := range rows {
		copy(snap.Counters[c*n:], row)
	}
	copy(snap.Paths, hits)
	for i, name := range sc.Invalid {
		snap.Invalid[i] = inv.Get(name)
	}
	for i, name := range sc.Gauges {
		snap.Gauges[i] = gauges.Get(name)
	}
	return snap, nil
}

func (s *Session) decodeSample(num int, line []byte) (Record, error) {
	var w wireSample
	if err := json.Unmarshal(line, &w); err != nil {
		return Record{}, s.fail(num, "corrupt sample: %v", err)
	}
	snap, err := s.decodeCounters(num, w.Classes, w.Paths, w.Invalid, w.Memory)
	if err != nil {
		return Record{}, err
	}
	snap.Ops, snap.Heaps, snap.Proc = w.Ops, w.Heaps, w.Proc.proc()
	smp := Sample{Seq: w.Seq, Elapsed: time.Duration(w.ElapsedNS), Epoch: w.Epoch, EpochStart: time.Duration(w.EpochStartNS), Snap: snap}
	if s.samples > 0 {
		p := s.prev
		if err := s.checkOrder(num, p.Seq, p.Epoch, p.Elapsed, smp.Seq, smp.Epoch, smp.Elapsed); err != nil {
			return Record{}, err
		}
	}
	base := Sample{} // an epoch's counters start from zero
	if s.samples > 0 && s.prev.Epoch == smp.Epoch {
		base = s.prev
	}
	if msg, bad := badCounter(&s.header.Schema, base, smp); bad {
		return Record{}, s.fail(num, "corrupt: %s", msg)
	}
	if smp.Seq < 0 || smp.Epoch < 0 || smp.EpochStart < 0 || smp.EpochStart > smp.Elapsed {
		return Record{}, s.fail(num, "corrupt: seq %d, epoch %d starting at %v, elapsed %v", smp.Seq, smp.Epoch, smp.EpochStart, smp.Elapsed)
	}
	smp.Rates = RatesBetween(&s.header.Schema, s.prev, smp)
	s.prev = smp
	s.samples++
	s.totals.observe(smp)
	return Record{Num: num, Kind: KindSample, Sample: smp}, nil
}

func (s *Session) decodeEvent(num int, line []byte) (Record, error) {
	var w wireEvent
	if err := json.Unmarshal(line, &w); err != nil {
		return Record{}, s.fail(num, "corrupt event: %v", err)
	}
	if w.Kind == "" || w.ElapsedNS < 0 || w.Epoch < 0 {
		return Record{}, s.fail(num, "corrupt event: kind %q, elapsed_ns %d, epoch %d", w.Kind, w.ElapsedNS, w.Epoch)
	}
	s.events++
	ev := Event{Elapsed: time.Duration(w.ElapsedNS), Kind: w.Kind, Epoch: w.Epoch, Message: w.Message, Gates: w.Gates}
	if w.Workload != nil {
		spec := w.Workload.spec()
		ev.Workload = &spec
	}
	return Record{Num: num, Kind: KindEvent, Event: ev}, nil
}

func (s *Session) decodeFooter(num int, line []byte) error {
	var w wireFooter
	if err := json.Unmarshal(line, &w); err != nil {
		return s.fail(num, "corrupt footer: %v", err)
	}
	if w.Samples != s.samples || w.Events != s.events {
		return s.fail(num, "corrupt: the footer counts %d samples and %d events, the file holds %d and %d", w.Samples, w.Events, s.samples, s.events)
	}
	f := Footer{End: w.End, Reason: w.Reason, Elapsed: time.Duration(w.ElapsedNS), Samples: w.Samples, Events: w.Events, Drops: w.Drops, Exit: w.Exit}
	snap, err := s.decodeCounters(num, w.Classes, w.Paths, w.Invalid, target.Counts{})
	if err != nil {
		return err
	}
	f.Totals = Totals{Ops: w.Ops, Counters: snap.Counters, Paths: snap.Paths, Invalid: snap.Invalid}
	if want := s.totals.totals(); !f.Totals.Equal(want) {
		return s.fail(num, "corrupt: the footer's totals differ from the sum of the samples' counters")
	}
	s.footer = &f
	return nil
}

// Recording is a whole session in memory.
type Recording struct {
	Path     string
	Header   Header
	Samples  []Sample
	Events   []Event
	Footer   *Footer // nil when the session was cut short
	Warnings []string
}

// Load reads the whole recording at path. It returns the same errors as
// Open and Next; warnings are in Recording.Warnings.
func Load(path string) (*Recording, error) {
	s, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	r := &Recording{Path: path, Header: s.Header()}
	r.Events, r.Footer, err = s.readAll(func(rec Record) { r.Samples = append(r.Samples, rec.Sample) })
	if err != nil {
		return nil, err
	}
	r.Warnings = s.Warnings()
	return r, nil
}

// readAll reads s to its end for Load: each sample record
// goes to sample; it returns the events and the footer (nil when the
// session was cut short).
func (s *Session) readAll(sample func(Record)) ([]Event, *Footer, error) {
	var events []Event
	for {
		rec, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		switch rec.Kind {
		case KindSample:
			sample(rec)
		case KindEvent:
			events = append(events, rec.Event)
		}
	}
	if f, ok := s.Footer(); ok {
		return events, &f, nil
	}
	return events, nil, nil
}

// maxCounterStep bounds how far a cumulative counter can move between two
// samples: 2^53 events would take a core calling the allocator every
// nanosecond over 100 days. A larger step is a corrupt value, whose rate
// (up to 7.4e19/s) no report may print.
const maxCounterStep = 1 << 53

// badCounter returns the first cumulative counter (ops, class counters,
// path hits, invalid frees) that is lower in b than in a, an earlier
// sample of its epoch (counters only grow until a restart), or that moved
// by more than maxCounterStep; a is the zero Sample for an epoch's first
// sample. Both are shaped by sc. Gauges (memory mapped now, heaps) may fall
// and are not checked.
func badCounter(sc *target.Schema, a, b Sample) (msg string, bad bool) {
	check := func(what func() string, from, to uint64) bool {
		switch {
		case to < from:
			msg = fmt.Sprintf("%s goes back from %d to %d within counter epoch %d (counters only grow until a restart)", what(), from, to, b.Epoch)
		case to-from > maxCounterStep:
			msg = fmt.Sprintf("%s jumps from %d to %d, more than 2^53 events between two samples", what(), from, to)
		default:
			return false
		}
		return true
	}
	at := func(v []uint64, i int) uint64 {
		if i < len(v) {
			return v[i]
		}
		return 0
	}
	if check(func() string { return "ops" }, uint64(max(a.Snap.Ops, 0)), uint64(max(b.Snap.Ops, 0))) {
		return msg, true
	}
	n := len(sc.Counters)
	for i, v := range b.Snap.Counters {
		if check(func() string { return "class " + sc.Classes[i/n].Name + " " + sc.Counters[i%n].Name }, at(a.Snap.Counters, i), v) {
			return msg, true
		}
	}
	for p, v := range b.Snap.Paths {
		if check(func() string { return "path " + sc.Paths[p].ID + " hits" }, at(a.Snap.Paths, p), v) {
			return msg, true
		}
	}
	for k, v := range b.Snap.Invalid {
		if check(func() string { return sc.Invalid[k] }, at(a.Snap.Invalid, k), v) {
			return msg, true
		}
	}
	return "", false
}

// checkOrder is the rule every sample after the first obeys: its seq follows the previous one's, and neither the elapsed time
// nor the counter epoch goes back.
func (s *Session) checkOrder(num, prevSeq, prevEpoch int, prevElapsed time.Duration, seq, epoch int, elapsed time.Duration) error {
	switch {
	case seq <= prevSeq:
		return s.fail(num, "corrupt: sample seq %d does not follow seq %d", seq, prevSeq)
	case elapsed < prevElapsed:
		return s.fail(num, "corrupt: elapsed time goes back from %v to %v", prevElapsed, elapsed)
	case epoch < prevEpoch:
		return s.fail(num, "corrupt: counter epoch goes back from %d to %d", prevEpoch, epoch)
	}
	return nil
}
