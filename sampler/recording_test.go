package sampler

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

func testHeader() Header {
	cfg := allocator.DefaultConfig()
	cfg.Set("HAKMEM_POOL_V2_ENABLED", "1")
	return Header{
		Start: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Haktop: "test", GoVersion: "go1.26", OS: "linux", Arch: "amd64",
		CPUs: 2, GOMAXPROCS: 2, Interval: 100 * time.Millisecond, StatsCompiled: true,
		Workload: workload.Spec{Name: "random_mixed", Workers: 1, Cycles: 5000, WS: 64, Seed: 7},
		Gates:    GateValues(embedded.Gates(cfg)),
	}
}

// session is what writeSession wrote.
type session struct {
	header  Header
	samples []Sample
	events  []Event
}

// writeSession records 12 samples with a restart after the 6th, through a
// sink on a Sampler, as haktop record and the TUI do.
func writeSession(t *testing.T, path string) session {
	t.Helper()
	s, f := newFake(t, Options{})
	h := testHeader()
	rec, err := Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	var out session
	out.header = h
	s.AddSink(func(x Sample) {
		if err := rec.Record(x); err != nil {
			t.Error(err)
		}
		out.samples = append(out.samples, x)
	})
	for i := 0; i < 12; i++ {
		if i == 6 {
			// A new allocator: counters from zero.
			f.snap, f.ops = emb.NewSnapshot(), 0
			epoch, at := s.Restart(emb, f.source, f.opsFn)
			cfg := allocator.DefaultConfig()
			ev := Event{Elapsed: at, Kind: EventRestart, Epoch: epoch, Message: "HAKMEM_POOL_V2_ENABLED 1 -> 0", Gates: GateValues(embedded.Gates(cfg))}
			if err := rec.Event(ev); err != nil {
				t.Fatal(err)
			}
			out.events = append(out.events, ev)
		}
		f.step(100*time.Millisecond, i%allocator.NumClasses, uint64(100*i+7), uint64(90*i), uint64(40*i), allocator.PathID(i%int(allocator.NumPaths)), uint64(i*i))
		f.snap.Invalid[allocator.Misaligned] = uint64(i)
		f.snap.Gauges[gauge("superslabs_mapped")] = uint64(i + 1)
		f.snap.Heaps = 1
		s.SampleNow()
	}
	if rec.Records() != 1+12+1 {
		t.Errorf("Records = %d before Close, want 14", rec.Records())
	}
	if err := rec.Close(Footer{End: h.Start.Add(time.Hour), Reason: "done", Drops: 3}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(Footer{}); err == nil {
		t.Error("a second Close succeeded")
	}
	if err := rec.Record(Sample{}); err == nil {
		t.Error("Record after Close succeeded")
	}
	return out
}

// gauge returns the embedded schema's index of the gauge called name.
func gauge(name string) int { return slices.Index(emb.Gauges, name) }

// recorded returns s as a recording stores it: the adapter's gate cycles
// are code, not data, and do not travel.
func recorded(s target.Schema) target.Schema {
	s.Gates = slices.Clone(s.Gates)
	for i := range s.Gates {
		s.Gates[i].Cycle = nil
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"s.jsonl", "s.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			want := writeSession(t, path)
			raw, _ := os.ReadFile(path)
			if gz := bytes.HasPrefix(raw, []byte{0x1f, 0x8b}); gz != strings.HasSuffix(name, ".gz") {
				t.Errorf("gzip magic present = %v", gz)
			}
			rec, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Warnings) != 0 {
				t.Errorf("warnings: %q", rec.Warnings)
			}
			wh := want.header
			wh.Format, wh.Version = FormatName, FormatVersion
			wh.Schema = recorded(wh.schema())
			if !reflect.DeepEqual(rec.Header, wh) {
				t.Errorf("header\n got %+v\nwant %+v", rec.Header, wh)
			}
			if len(rec.Samples) != len(want.samples) {
				t.Fatalf("%d samples read, %d written", len(rec.Samples), len(want.samples))
			}
			for i, s := range rec.Samples {
				if w := want.samples[i]; !reflect.DeepEqual(s, w) {
					t.Errorf("sample %d differs:\n got %+v\nwant %+v", i, s, w)
				}
			}
			if !reflect.DeepEqual(rec.Events, want.events) {
				t.Errorf("events\n got %+v\nwant %+v", rec.Events, want.events)
			}
			f := rec.Footer
			if f == nil {
				t.Fatal("no footer")
			}
			tot := TotalsOf(want.samples)
			if !reflect.DeepEqual(f.Totals, tot) || f.Samples != 12 || f.Events != 1 || f.Drops != 3 || f.Reason != "done" || f.Elapsed != want.samples[11].Elapsed {
				t.Errorf("footer = %+v, totals want %+v", f, tot)
			}
			// Totals cover both epochs: the 6 samples before the restart and the 6 after.
			var calls uint64
			for c := range emb.Classes {
				calls += tot.Counters[c*len(emb.Counters)+col(target.RoleCalls)]
			}
			if calls != 6684 || tot.Ops != want.samples[5].Snap.Ops+want.samples[11].Snap.Ops || tot.Ops != 6684+40*66 {
				t.Errorf("totals over epochs: alloc_calls %d, ops %d", calls, tot.Ops)
			}
		})
	}
}

// TestEveryPrefixIsReadable cuts a recording at every length through its
// first three and last two records, and every 61 bytes between: each prefix
// is either refused for lack of a header or read back as a prefix of the
// samples, with warnings, and never panics.
func TestEveryPrefixIsReadable(t *testing.T) {
	for _, name := range []string{"s.jsonl", "s.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			full := filepath.Join(dir, name)
			want := writeSession(t, full)
			raw, _ := os.ReadFile(full)
			cut := filepath.Join(dir, "cut-"+name)
			headerOK := false
			plain := raw
			if strings.HasSuffix(name, ".gz") {
				zr, _ := gzip.NewReader(bytes.NewReader(raw))
				plain, _ = io.ReadAll(zr)
			}
			lines := bytes.SplitAfter(plain, []byte("\n"))
			head := len(lines[0]) + len(lines[1]) + len(lines[2])
			tail := len(plain) - len(lines[len(lines)-2]) - len(lines[len(lines)-3])
			if len(raw) != len(plain) { // gzip: scale the plain offsets
				head, tail = head*len(raw)/len(plain), tail*len(raw)/len(plain)
			}
			for n := 0; n < len(raw); n++ {
				if n > head && n < tail && n%61 != 0 {
					continue
				}
				os.WriteFile(cut, raw[:n], 0o644)
				rec, err := Load(cut)
				if err != nil {
					var fe *FileError
					if !errors.As(err, &fe) || fe.Path != cut {
						t.Fatalf("cut at %d: error %v is not a *FileError naming the file", n, err)
					}
					if headerOK {
						t.Fatalf("cut at %d: %v after a shorter prefix was readable", n, err)
					}
					continue
				}
				headerOK = true
				for i, s := range rec.Samples {
					if !reflect.DeepEqual(s, want.samples[i]) {
						t.Fatalf("cut at %d: sample %d differs from the one written", n, i)
					}
				}
				if rec.Footer == nil && len(rec.Warnings) == 0 {
					t.Fatalf("cut at %d: no footer and no warning", n)
				}
			}
			if !headerOK {
				t.Fatal("no prefix was readable")
			}
		})
	}
}

func TestTruncatedLastRecordWarns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	writeSession(t, path)
	raw, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	// Keep the header, the 6 samples, the event and 2 samples (records 1-10),
	// then half of record 11.
	var cut []byte
	for _, l := range lines[:10] {
		cut = append(cut, l...)
	}
	cut = append(cut, lines[10][:len(lines[10])/2]...)
	os.WriteFile(path, cut, 0o644)
	rec, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Samples) != 8 || len(rec.Events) != 1 || rec.Footer != nil {
		t.Errorf("read %d samples, %d events, footer %v", len(rec.Samples), len(rec.Events), rec.Footer)
	}
	want := []string{
		path + ": record 11: truncated (the recording was cut short): using the 10 records before it",
		path + ": record 11: no footer: the session was cut short after record 10; its totals come from the last sample",
	}
	if !reflect.DeepEqual(rec.Warnings, want) {
		t.Errorf("warnings\n got %q\nwant %q", rec.Warnings, want)
	}
}

// TestTruncatedGzipWarns cuts a gzip recording in the middle of its
// samples (where that falls in the compressed stream depends on how well
// the header compresses, so the cut is the middle of the stream after the
// first sample's flush).
func TestTruncatedGzipWarns(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full.jsonl.gz")
	writeSession(t, full)
	raw, _ := os.ReadFile(full)
	path := filepath.Join(dir, "s.jsonl.gz")
	// the shortest prefix that holds a whole sample (prefixes only grow readable)
	first := sort.Search(len(raw), func(n int) bool {
		os.WriteFile(path, raw[:n], 0o644)
		rec, err := Load(path)
		return err == nil && len(rec.Samples) > 0
	})
	os.WriteFile(path, raw[:first+(len(raw)-first)/2], 0o644)
	rec, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Samples) == 0 || len(rec.Samples) == 12 || rec.Footer != nil || len(rec.Warnings) == 0 {
		t.Fatalf("read %d samples, footer %v, warnings %q", len(rec.Samples), rec.Footer, rec.Warnings)
	}
	for _, w := range rec.Warnings {
		if !strings.HasPrefix(w, path+": record ") {
			t.Errorf("warning %q does not name the file and record", w)
		}
	}
}

// rewrite returns the recording at path with line i (0-based) replaced by
// repl, or removed when repl is nil.
func rewrite(t *testing.T, path string, i int, repl []byte) []byte {
	t.Helper()
	raw, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	if repl == nil {
		lines = append(lines[:i], lines[i+1:]...)
	} else {
		lines[i] = repl
	}
	return bytes.Join(lines, nil)
}

func TestBadFilesAreErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	writeSession(t, good)
	raw, _ := os.ReadFile(good)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	header := lines[0]
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("PK\x03\x04 a zip in a gzip\n"))
	zw.Close()
	replaceHeader := func(old, new string) []byte {
		return rewrite(t, good, 0, bytes.Replace(header, []byte(old), []byte(new), 1))
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string // the error after "<path>: "
	}{
		{"empty", nil, "empty file: not a haktop session recording"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), `not a haktop session recording (its first line is not a "haktop-session" header)`},
		{"text", []byte("hello world\n"), `not a haktop session recording (its first line is not a "haktop-session" header)`},
		{"other-json", []byte(`{"type":"header","format":"pprof"}` + "\n"), `not a haktop session recording (its first line is not a "haktop-session" header)`},
		{"gzip-of-other", gz.Bytes(), `not a haktop session recording (its first line is not a "haktop-session" header)`},
		{"bad-gzip", []byte{0x1f, 0x8b, 0, 0}, "not a readable gzip file: unexpected EOF"},
		{"newer", replaceHeader(`"version":2`, `"version":3`), "record 1: written in format version 3; this haktop reads versions 1 to 2: use a newer haktop"},
		{"version-0", replaceHeader(`"version":2`, `"version":0`), "record 1: bad header: format version 0, want 1 to 2"},
		{"no-layout", replaceHeader(`"classes":`, `"klasses":`), `record 1: bad header: its "schema" must list "classes", "counters" and "paths"`},
		{"header-cut", header[:len(header)/2], "record 1: the header is truncated: the recording holds nothing readable"},
		{"corrupt-middle", rewrite(t, good, 3, []byte("{\"type\":\"sample\",\"seq\":2,\"elapsed_ns\":\x00}\n")), "record 4: corrupt: invalid character '\\x00' looking for beginning of value"},
		{"garbage-middle", rewrite(t, good, 4, []byte("garbage\n")), "record 5: corrupt: invalid character 'g' looking for beginning of value"},
		{"short-row", rewrite(t, good, 2, []byte(`{"type":"sample","seq":1,"elapsed_ns":5,"classes":[[1,2]],"paths":[]}`+"\n")), "record 3: corrupt: 1 class rows, the header lists 16 classes"},
		{"wrong-type", rewrite(t, good, 2, []byte(`{"type":"sample","seq":"one"}`+"\n")), "record 3: corrupt sample: json: cannot unmarshal string into Go struct field wireSample.seq of type int"},
		{"seq-repeats", rewrite(t, good, 2, bytes.SplitAfter(raw, []byte("\n"))[1]), "record 3: corrupt: sample seq 0 does not follow seq 0"},
		{"unknown-type", rewrite(t, good, 2, []byte(`{"type":"mystery"}`+"\n")), `record 3: unknown record type "mystery": want sample, event or footer`},
		{"second-header", rewrite(t, good, 2, header), "record 3: a second header"},
		{"after-footer", append(append([]byte(nil), raw...), bytes.SplitAfter(raw, []byte("\n"))[1]...), "record 16: data after the footer"},
		{"footer-count", rewrite(t, good, 3, nil), "record 14: corrupt: the footer counts 12 samples and 1 events, the file holds 11 and 1"},
		{"bad-event", rewrite(t, good, 7, []byte(`{"type":"event","kind":""}`+"\n")), `record 8: corrupt event: kind "", elapsed_ns 0, epoch 0`},
		{"huge-line", bytes.Repeat([]byte("{"), maxRecordBytes+10), "record 1: longer than 4194304 bytes: not a haktop recording line"},
		{"counter-back", rewrite(t, good, 2, setCounter(t, lines[2], 0, 0, 0)),
			"record 3: corrupt: class C0 alloc_calls goes back from 7 to 0 within counter epoch 0 (counters only grow until a restart)"},
		// A spike to 2^64-1 is the rate of 7.4e19/s report once printed, even as the last sample.
		{"counter-spike", rewrite(t, good, 2, setCounter(t, lines[2], 1, 5, math.MaxUint64)),
			"record 3: corrupt: class C1 free_calls jumps from 0 to 18446744073709551615, more than 2^53 events between two samples"},
		{"last-sample-spike", rewrite(t, good, 13, setCounter(t, lines[13], 11, 0, math.MaxUint64)),
			"record 14: corrupt: class P3 alloc_calls jumps from 0 to 18446744073709551615, more than 2^53 events between two samples"},
		{"footer-totals", rewrite(t, good, 14, bytes.Replace(lines[14], []byte(`"ops":`), []byte(`"ops":1`), 1)),
			"record 15: corrupt: the footer's totals differ from the sum of the samples' counters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			os.WriteFile(path, tc.data, 0o644)
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FileError: %v", err, err)
			}
			if got := err.Error(); got != path+": "+tc.want {
				t.Errorf("error\n got %q\nwant %q", got, path+": "+tc.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil || err.Error() != filepath.Join(dir, "missing")+": cannot open: no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadsByName reads a file whose header orders paths differently and
// names a path and a counter this build does not know.
func TestReadsByName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	h := testHeader()
	b, _ := marshalLines(
		map[string]any{"type": "header", "format": FormatName, "version": 1, "interval_ns": 1e8,
			"classes": []string{"C1", "Z9"}, "counters": []string{"free_calls", "bogus", "alloc_calls"},
			"paths": []string{"future_path", "tiny_refill"}, "workload": map[string]any{"name": h.Workload.Name}},
		map[string]any{"type": "sample", "seq": 0, "elapsed_ns": 1e9, "classes": [][]uint64{{5, 6, 7}, {8, 9, 10}}, "paths": []uint64{11, 12}},
	)
	os.WriteFile(path, b, 0o644)
	rec, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// The sample is read in the file's own order and names; the known ones
	// keep this build's description, the unknown are kept by name.
	s, sc := rec.Samples[0], rec.Header.Schema
	if got := sc.ClassNames(); !reflect.DeepEqual(got, []string{"C1", "Z9"}) || !reflect.DeepEqual(sc.Classes[0], emb.Classes[1]) {
		t.Errorf("classes %+v", sc.Classes)
	}
	if !reflect.DeepEqual(sc.Counters, []target.Counter{{Name: "free_calls", Role: target.RoleFree}, {Name: "bogus", Role: target.RoleOther}, {Name: "alloc_calls", Role: target.RoleCalls}}) {
		t.Errorf("counters %+v", sc.Counters)
	}
	if !reflect.DeepEqual(s.Snap.Counters, []uint64{5, 6, 7, 8, 9, 10}) || !reflect.DeepEqual(s.Snap.Paths, []uint64{11, 12}) || sc.Paths[1].ID != "tiny_refill" {
		t.Errorf("counters %v paths %v", s.Snap.Counters, s.Snap.Paths)
	}
	if s.Rates.Rate(0, 2, 3) != 7 || s.Rates.FastRatio != nil {
		t.Errorf("C1 rate %v, fast %v (the file has no fast counter)", s.Rates.Rate(0, 2, 3), s.Rates.FastRatio)
	}
	want := []string{
		path + `: record 1: class "Z9" is unknown to this haktop: it is shown by name only`,
		path + `: record 1: counter "bogus" is unknown to this haktop: it is shown by name only`,
		path + `: record 1: path "future_path" is unknown to this haktop: it is shown by name only`,
		path + ": record 3: no footer: the session was cut short after record 2; its totals come from the last sample",
	}
	if !reflect.DeepEqual(rec.Warnings, want) {
		t.Errorf("warnings\n got %q\nwant %q", rec.Warnings, want)
	}
}

func TestSessionStreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	want := writeSession(t, path)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.Footer(); ok {
		t.Error("footer before the end")
	}
	var nums []int
	for {
		r, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		nums = append(nums, r.Num)
		if r.Num == 8 && (r.Kind != KindEvent || r.Event.Kind != EventRestart) {
			t.Errorf("record 8 = %+v, want the restart event", r)
		}
	}
	if len(nums) != 13 || nums[0] != 2 || nums[12] != 14 {
		t.Errorf("record numbers %v", nums)
	}
	if f, ok := s.Footer(); !ok || f.Samples != len(want.samples) {
		t.Errorf("footer %+v %v", f, ok)
	}
	if _, err := s.Next(); err != io.EOF {
		t.Errorf("Next after the end = %v", err)
	}
}

func marshalLines(vs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}

// TestRecordingStartsAtZero starts a recording partway through a session,
// as the live view's r does: its clock, counters, seq and epochs start at
// zero at that moment, and a later restart stays relative to it.
func TestRecordingStartsAtZero(t *testing.T) {
	s, f := newFake(t, Options{})
	for range 3 { // before the recording: 3 samples, 300 allocs of C7 in total
		f.step(100*time.Millisecond, 7, 100, 90, 100, allocator.PathTinyFast, 90)
		s.SampleNow()
	}
	f.snap.Invalid[allocator.Unknown], f.snap.Gauges[gauge("superslab_maps")], f.snap.Gauges[gauge("superslabs_mapped")] = 2, 5, 5
	f.step(50*time.Millisecond, 7, 10, 10, 0, allocator.PathTinyFast, 10) // after the last sample, before r
	path := filepath.Join(t.TempDir(), "r.jsonl")
	rec, err := Create(path, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	remove := s.AddRecorder(rec, func(err error) { t.Error(err) })
	f.step(100*time.Millisecond, 7, 40, 30, 20, allocator.PathTinyFast, 30)
	f.snap.Invalid[allocator.Unknown], f.snap.Gauges[gauge("superslab_maps")] = 3, 6
	s.SampleNow()
	f.snap, f.ops = emb.NewSnapshot(), 0
	epoch, at := s.Restart(emb, f.source, f.opsFn)
	if err := rec.Event(Event{Elapsed: at, Kind: EventRestart, Epoch: epoch, Message: "workers 1 -> 2"}); err != nil {
		t.Fatal(err)
	}
	f.step(200*time.Millisecond, 3, 8, 8, 8, allocator.PathTinyFast, 8)
	s.SampleNow()
	remove()
	if err := rec.Close(Footer{Reason: "stopped"}); err != nil {
		t.Fatal(err)
	}

	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Samples) != 2 || len(got.Events) != 1 {
		t.Fatalf("%d samples and %d events, want 2 and 1", len(got.Samples), len(got.Events))
	}
	first, second, ev := got.Samples[0], got.Samples[1], got.Events[0]
	c7 := first.Snap.Row(7, len(emb.Counters))
	if first.Seq != 0 || first.Elapsed != 100*time.Millisecond || first.Epoch != 0 || first.EpochStart != 0 || first.Snap.Ops != 60 {
		t.Errorf("first sample: seq %d, elapsed %v, epoch %d from %v, ops %d; want 0, 100ms, 0 from 0s, 60",
			first.Seq, first.Elapsed, first.Epoch, first.EpochStart, first.Snap.Ops)
	}
	if cnt(first.Snap, 7, target.RoleCalls) != 40 || cnt(first.Snap, 7, target.RoleFast) != 30 || cnt(first.Snap, 7, target.RoleRefill) != 10 ||
		cnt(first.Snap, 7, target.RoleFree) != 20 || first.Snap.Paths[allocator.PathTinyFast] != 30 {
		t.Errorf("first sample C7 %v, tiny_fast %d: want the 40 allocs, 30 fast, 20 frees and 30 hits after r", c7, first.Snap.Paths[allocator.PathTinyFast])
	}
	if inv, maps, mapped := first.Snap.Invalid[allocator.Unknown], first.Snap.Gauges[gauge("superslab_maps")], first.Snap.Gauges[gauge("superslabs_mapped")]; inv != 1 || maps != 1 || mapped != 5 {
		t.Errorf("first sample: %d unknown frees, %d superslab maps, %d mapped; want 1, 1 (since r) and 5 (a gauge)", inv, maps, mapped)
	}
	if second.Seq != 1 || second.Epoch != 1 || second.EpochStart != 100*time.Millisecond || second.Elapsed != 300*time.Millisecond ||
		cnt(second.Snap, 3, target.RoleCalls) != 8 || second.Snap.Ops != 16 {
		t.Errorf("second sample: seq %d, epoch %d from %v, elapsed %v, C3 allocs %d, ops %d; want 1, 1 from 100ms, 300ms, 8, 16",
			second.Seq, second.Epoch, second.EpochStart, second.Elapsed, cnt(second.Snap, 3, target.RoleCalls), second.Snap.Ops)
	}
	if ev.Elapsed != 100*time.Millisecond || ev.Epoch != 1 {
		t.Errorf("restart event at %v in epoch %d, want 100ms and 1", ev.Elapsed, ev.Epoch)
	}
	tot := got.Footer.Totals
	calls := func(c int) uint64 { return tot.Counters[c*len(emb.Counters)+col(target.RoleCalls)] }
	if calls(7) != 40 || calls(3) != 8 || tot.Ops != 76 || got.Footer.Elapsed != 300*time.Millisecond {
		t.Errorf("footer: C7 %d, C3 %d allocs, ops %d, elapsed %v; want 40, 8, 76, 300ms", calls(7), calls(3), tot.Ops, got.Footer.Elapsed)
	}
	if r := rate(first.Rates, 7, target.RoleCalls); r != 400 {
		t.Errorf("first sample's C7 rate %v/s, want 400/s (40 allocs in the 100ms since r)", r)
	}
}

// setCounter returns the sample line with class row c's counter k set to v.
func setCounter(t *testing.T, line []byte, c, k int, v uint64) []byte {
	t.Helper()
	var w wireSample
	if err := json.Unmarshal(line, &w); err != nil || w.Type != typeSample {
		t.Fatalf("not a sample line (%v): %s", err, line)
	}
	w.Classes[c][k] = v
	out, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// A format-1 file (committed in testdata/format1, written before headers
// held a schema) gets the schema its names describe: the embedded
// allocator's classes with their sizes, counters with their roles, paths
// and gates, the gates at the file's values.
func TestFormat1SchemaFromNames(t *testing.T) {
	rec, err := Load(filepath.Join("..", "testdata", "format1", "gate_toggle.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Header.Schema
	if rec.Header.Version != 1 || s.Target != "embedded" || len(s.Classes) != 16 || len(s.Counters) != 9 || len(s.Paths) != 17 || len(s.Gates) != 8 {
		t.Fatalf("version %d, schema %s with %d classes, %d counters, %d paths, %d gates",
			rec.Header.Version, s.Target, len(s.Classes), len(s.Counters), len(s.Paths), len(s.Gates))
	}
	if c := s.Classes[8]; c.Name != "P0" || c.Min != 1025 || c.Max != 2048 || c.Tier != "pool" {
		t.Errorf("class 8: %+v", c)
	}
	if s.CounterOf(target.RoleRemote) != 7 || s.Counters[7].Name != "free_remote" {
		t.Errorf("counters %+v", s.Counters)
	}
	g := s.Gate("HAKMEM_POOL_V2_ENABLED")
	if g == nil || g.Kind != target.KindBool || g.Value != "0" || g.Source != target.SourceDefault || !g.Off || g.Next("0") != "1" {
		t.Errorf("pool v2 gate %+v", g)
	}
	if !reflect.DeepEqual(gatesOfSchema(s), rec.Header.Gates) {
		t.Errorf("schema gates %+v\nheader gates %+v", gatesOfSchema(s), rec.Header.Gates)
	}
}

// A format-2 header holds the schema and no separate name lists.
func TestFormat2HeaderHoldsTheSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	writeSession(t, path)
	raw, _ := os.ReadFile(path)
	first, _, _ := bytes.Cut(raw, []byte("\n"))
	var h map[string]json.RawMessage
	if err := json.Unmarshal(first, &h); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"classes", "counters", "paths", "gates"} {
		if _, ok := h[k]; ok {
			t.Errorf("format-2 header has %q beside its schema", k)
		}
	}
	var s target.Schema
	if err := json.Unmarshal(h["schema"], &s); err != nil || s.Target != "embedded" || len(s.Classes) != 16 {
		t.Errorf("schema %+v, %v", s, err)
	}
}
