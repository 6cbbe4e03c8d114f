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

	"github.com/haktop/haktop/allocator"
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

	classMap   []int // file row -> allocator class, -1 when unknown here
	counterMap []int // file column -> counterNames index, -1 when unknown
	pathMap    []int // file path -> PathID, -1 when unknown

	generic       bool           // LoadTarget: samples in the header's own schema
	prevTarget    TargetSample   // generic: the last sample read
	targetSamples []TargetSample // generic: every sample read, for the footer's check

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
func Open(path string) (*Session, error) { return open(path, false) }

// open is Open; generic reads the samples in the header's own schema
// (LoadTarget) rather than in the embedded allocator's layout.
func open(path string, generic bool) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &FileError{Path: path, Msg: "cannot open: " + err.Error()}
	}
	s := &Session{path: path, f: f, generic: generic}
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
		schema = schemaOfV1(h.Classes, h.Counters, h.Paths, h.Gates, h.StatsCompiled)
	} else {
		schema = *h.Schema
		h.Classes, h.Counters, h.Paths, h.Gates = schema.ClassNames(), schema.CounterNames(), schema.PathIDs(), gatesOfSchema(schema)
	}
	if h.Gates == nil {
		h.Gates = []target.Gate{}
	}
	if s.generic && h.Version < 2 {
		return s.fail(1, "format version %d: a recording in its own schema is format 2 or later", h.Version)
	}
	if !s.generic { // generic: the header's schema names every row, column and path, nothing to map
		s.classMap = mapNames(h.Classes, localClasses(), func(n string) { s.warn(1, "class %q is unknown to this haktop: its counts are ignored", n) })
		s.counterMap = mapNames(h.Counters, counterNames[:], func(n string) { s.warn(1, "counter %q is unknown to this haktop: it is ignored", n) })
		s.pathMap = mapNames(h.Paths, localPaths(), func(n string) { s.warn(1, "path %q is unknown to this haktop: its hits are ignored", n) })
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

// mapNames maps each name in file to its index in local, or -1 (reported to unknown).
func mapNames(file, local []string, unknown func(string)) []int {
	out := make([]int, len(file))
	for i, n := range file {
		out[i] = -1
		for j, l := range local {
			if l == n {
				out[i] = j
				break
			}
		}
		if out[i] < 0 {
			unknown(n)
		}
	}
	return out
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
		if s.generic {
			rec, err = s.decodeTargetSample(num, line)
		} else {
			rec, err = s.decodeSample(num, line)
		}
	case typeEvent:
		rec, err = s.decodeEvent(num, line)
	case typeFooter:
		if s.generic {
			err = s.decodeTargetFooter(num, line)
		} else {
			err = s.decodeFooter(num, line)
		}
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

func (s *Session) decodeClasses(num int, rows [][]uint64, dst *[allocator.NumClasses]allocator.Counters) error {
	if len(rows) != len(s.classMap) {
		return s.fail(num, "corrupt: %d class rows, the header lists %d classes", len(rows), len(s.classMap))
	}
	for i, row := range rows {
		if len(row) != len(s.counterMap) {
			return s.fail(num, "corrupt: class row %d has %d counters, the header lists %d", i, len(row), len(s.counterMap))
		}
		c := s.classMap[i]
		if c < 0 {
			continue
		}
		cols := counterRow(&dst[c])
		for j, v := range row {
			if k := s.counterMap[j]; k >= 0 {
				*cols[k] = v
			}
		}
	}
	return nil
}

func (s *Session) decodePaths(num int, hits []uint64, dst *[allocator.NumPaths]uint64) error {
	if len(hits) != len(s.pathMap) {
		return s.fail(num, "corrupt: %d path counts, the header lists %d paths", len(hits), len(s.pathMap))
	}
	for i, v := range hits {
		if p := s.pathMap[i]; p >= 0 {
			dst[p] = v
		}
	}
	return nil
}

func (s *Session) decodeSample(num int, line []byte) (Record, error) {
	var w wireSample
	if err := json.Unmarshal(line, &w); err != nil {
		return Record{}, s.fail(num, "corrupt sample: %v", err)
	}
	smp := Sample{
		Seq: w.Seq, Elapsed: time.Duration(w.ElapsedNS), Epoch: w.Epoch, EpochStart: time.Duration(w.EpochStartNS), Ops: w.Ops,
		Proc: Proc{RSSBytes: w.Proc.RSSBytes, NumGC: w.Proc.NumGC, LastPause: time.Duration(w.Proc.LastPauseNS), HeapInUse: w.Proc.HeapInUse},
	}
	snap := &smp.Snap
	var cs [allocator.NumClasses]allocator.Counters
	if err := s.decodeClasses(num, w.Classes, &cs); err != nil {
		return Record{}, err
	}
	for c := range snap.Classes {
		snap.Classes[c] = allocator.ClassStats{Class: allocator.ClassName(c), Size: allocator.ClassSize(c), Tier: allocator.Tier(c), Counters: cs[c]}
	}
	if err := s.decodePaths(num, w.Paths, &snap.Paths); err != nil {
		return Record{}, err
	}
	snap.Invalid, snap.Memory, snap.Heaps, snap.StatsCompiled = w.Invalid, w.Memory, w.Heaps, s.header.StatsCompiled
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
	if msg, bad := badCounter(base, smp); bad {
		return Record{}, s.fail(num, "corrupt: %s", msg)
	}
	if smp.Seq < 0 || smp.Epoch < 0 || smp.EpochStart < 0 || smp.EpochStart > smp.Elapsed {
		return Record{}, s.fail(num, "corrupt: seq %d, epoch %d starting at %v, elapsed %v", smp.Seq, smp.Epoch, smp.EpochStart, smp.Elapsed)
	}
	smp.Rates = RatesBetween(s.prev, smp)
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
	f.Totals.Ops, f.Totals.Invalid = w.Ops, w.Invalid
	if err := s.decodeClasses(num, w.Classes, &f.Totals.Classes); err != nil {
		return err
	}
	if err := s.decodePaths(num, w.Paths, &f.Totals.Paths); err != nil {
		return err
	}
	if want := s.totals.totals(); f.Totals != want {
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

// readAll reads s to its end for Load and LoadTarget: each sample record
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
// sample. Gauges (memory mapped now, heaps) may fall and are not checked.
func badCounter(a, b Sample) (msg string, bad bool) {
	check := func(what string, from, to uint64) bool {
		switch {
		case to < from:
			msg = fmt.Sprintf("%s goes back from %d to %d within counter epoch %d (counters only grow until a restart)", what, from, to, b.Epoch)
		case to-from > maxCounterStep:
			msg = fmt.Sprintf("%s jumps from %d to %d, more than 2^53 events between two samples", what, from, to)
		default:
			return false
		}
		return true
	}
	if check("ops", uint64(max(a.Ops, 0)), uint64(max(b.Ops, 0))) {
		return msg, true
	}
	for c := range b.Snap.Classes {
		x, y := counterRow(&a.Snap.Classes[c].Counters), counterRow(&b.Snap.Classes[c].Counters)
		for k := range y {
			if check("class "+allocator.ClassName(c)+" "+counterNames[k], *x[k], *y[k]) {
				return msg, true
			}
		}
	}
	for p := range b.Snap.Paths {
		if check("path "+allocator.PathID(p).String()+" hits", a.Snap.Paths[p], b.Snap.Paths[p]) {
			return msg, true
		}
	}
	x, y := a.Snap.Invalid, b.Snap.Invalid
	for _, v := range []struct {
		name     string
		from, to uint64
	}{
		{"page_of_fail_header_missing", x.HeaderMissing, y.HeaderMissing}, {"page_of_fail_out_of_range", x.OutOfRange, y.OutOfRange},
		{"page_of_fail_misaligned", x.Misaligned, y.Misaligned}, {"page_of_fail_unknown", x.Unknown, y.Unknown},
	} {
		if check(v.name, v.from, v.to) {
			return msg, true
		}
	}
	return "", false
}

// checkOrder is the rule every sample after the first obeys, in either
// reading: its seq follows the previous one's, and neither the elapsed time
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
