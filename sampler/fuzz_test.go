package sampler

// FuzzLoad feeds any bytes to the recording reader, as a plain file, as
// the gzip of those bytes, and as that gzip cut short, and checks what a
// user of Load is promised: no panic; a failure is a *FileError that names
// the file (and the record, when one is at fault); warnings name the file;
// what is read is what streaming Next yields too, in order; and Summarize
// takes it without a NaN.

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// fuzzRecording is a small valid recording: two classes of two counters,
// a restart event, a footer. Small seeds keep the fuzzer's minimizing fast.
const fuzzRecording = `{"type":"header","format":"haktop-session","version":1,"interval_ns":10000000,"stats_compiled":true,"workload":{"name":"tiny_hot","workers":1},"classes":["C0","P0","X9"],"counters":["alloc_calls","free_calls","new_counter"],"paths":["tiny_fast","pool_v2_alloc"]}
{"type":"sample","seq":0,"elapsed_ns":10000000,"epoch":0,"epoch_start_ns":0,"ops":8,"heaps":1,"classes":[[4,4,1],[0,0,0],[9,9,9]],"paths":[3,0]}
{"type":"event","elapsed_ns":15000000,"kind":"restart","epoch":1,"message":"HAKMEM_POOL_V2_ENABLED set to 1"}
{"type":"sample","seq":1,"elapsed_ns":20000000,"epoch":1,"epoch_start_ns":15000000,"ops":6,"classes":[[1,1,0],[2,2,0],[0,0,0]],"paths":[1,2]}
{"type":"footer","reason":"stopped","elapsed_ns":20000000,"samples":2,"events":1,"ops":14,"classes":[[5,5,1],[2,2,0],[9,9,9]],"paths":[4,2]}
`

// Input modes: how the bytes become a file.
const (
	fuzzPlain   = iota // the bytes as they are
	fuzzGzip           // gzip of the bytes
	fuzzGzipCut        // gzip of the bytes, cut short
	numFuzzModes
)

func FuzzLoad(f *testing.F) {
	lines := strings.SplitAfter(fuzzRecording, "\n")
	for mode := byte(0); mode < numFuzzModes; mode++ {
		f.Add([]byte(fuzzRecording), mode)
		f.Add([]byte(strings.Join(lines[:3], "")), mode)                             // no footer
		f.Add([]byte(fuzzRecording[:len(fuzzRecording)-40]), mode)                   // a cut footer
		f.Add([]byte(strings.Replace(fuzzRecording, `"seq":1`, `"seq":0`, 1)), mode) // corrupt
	}
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}, byte(fuzzPlain)) // a gzip header alone
	f.Add([]byte(""), byte(fuzzPlain))
	dir := f.TempDir()
	// And one in the format this build writes.
	current := filepath.Join(dir, "current.jsonl")
	rec, err := Create(current, Header{Start: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Interval: 10 * time.Millisecond,
		StatsCompiled: true, Workload: workload.DefaultSpec(workload.TinyHot)})
	if err != nil {
		f.Fatal(err)
	}
	for i := range 2 {
		smp := Sample{Snap: emb.NewSnapshot()}
		smp.Seq, smp.Elapsed, smp.Snap.Ops = i, time.Duration(i+1)*10*time.Millisecond, int64(10*i)
		smp.Snap.Counters[2*9+col(target.RoleCalls)], smp.Snap.Counters[2*9+col(target.RoleFast)], smp.Snap.Paths[0] = uint64(5*i), uint64(5*i), uint64(5*i)
		if err := rec.Record(smp); err != nil {
			f.Fatal(err)
		}
	}
	if err := rec.Close(Footer{Reason: "stopped"}); err != nil {
		f.Fatal(err)
	}
	if got, err := Load(current); err != nil || len(got.Samples) != 2 || got.Footer == nil {
		f.Fatalf("the current-format seed does not load whole: %v", err)
	}
	raw, err := os.ReadFile(current)
	if err != nil {
		f.Fatal(err)
	}
	for mode := byte(0); mode < numFuzzModes; mode++ {
		f.Add(raw, mode)
	}
	// The seed is whole: the fuzzer starts from the happy path.
	seed := filepath.Join(dir, "seed.jsonl")
	if err := os.WriteFile(seed, []byte(fuzzRecording), 0o644); err != nil {
		f.Fatal(err)
	}
	if rec, err := Load(seed); err != nil || len(rec.Samples) != 2 || len(rec.Events) != 1 || rec.Footer == nil {
		f.Fatalf("the seed recording does not load whole: %v", err)
	}
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		path := filepath.Join(dir, "r.jsonl")
		if err := os.WriteFile(path, fuzzFile(data, mode), 0o644); err != nil {
			t.Fatal(err)
		}
		checkLoad(t, path)
	})
}

// fuzzFile returns the file a FuzzLoad input stands for.
func fuzzFile(data []byte, mode byte) []byte {
	switch mode % numFuzzModes {
	case fuzzPlain:
		return data
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	if mode%numFuzzModes == fuzzGzipCut {
		// mode's high bits pick where the stream ends.
		return buf.Bytes()[:buf.Len()*int(mode/numFuzzModes)/(256/numFuzzModes+1)]
	}
	return buf.Bytes()
}

// checkLoad reads path with Load and with Open and Next, and checks they
// agree and keep the reader's promises.
func checkLoad(t *testing.T, path string) {
	t.Helper()
	rec, err := Load(path)
	streamed, serr := streamAll(path)
	if (err == nil) != (serr == nil) || err != nil && err.Error() != serr.Error() {
		t.Fatalf("Load: %v; Open and Next: %v", err, serr)
	}
	if err != nil {
		checkFileError(t, path, err)
		return
	}
	if len(streamed) != len(rec.Samples)+len(rec.Events) {
		t.Fatalf("Load read %d samples and %d events, Next %d records", len(rec.Samples), len(rec.Events), len(streamed))
	}
	for _, w := range rec.Warnings {
		if !strings.HasPrefix(w, path+": ") || strings.Contains(w, "\n") {
			t.Fatalf("warning %q is not one line naming the file", w)
		}
	}
	if rec.Footer == nil && !hasWarning(rec.Warnings, "no footer") && !hasWarning(rec.Warnings, "ends after its header") {
		t.Fatalf("no footer and no warning saying so: %q", rec.Warnings)
	}
	for i := 1; i < len(rec.Samples); i++ {
		if p, s := rec.Samples[i-1], rec.Samples[i]; s.Seq <= p.Seq || s.Elapsed < p.Elapsed || s.Epoch < p.Epoch {
			t.Fatalf("samples %d and %d out of order: %+v, %+v", i-1, i, p, s)
		}
	}
	// A rate that is not a number could not be printed as JSON by report.
	sum := Summarize(&rec.Header.Schema, rec.Samples, rec.Header.Interval)
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for _, r := range []Rates{sum.Mean, sum.Peak} {
		for _, vs := range [][]float64{r.Counters, r.FastRatio, r.Paths} {
			for i, v := range vs {
				if bad(v) {
					t.Fatalf("rate %d: %v in the summary %+v", i, v, r)
				}
			}
		}
	}
	if bad(sum.OpsPerSec) || bad(sum.PeakOpsPerSec) {
		t.Fatalf("ops rates %v, %v in the summary", sum.OpsPerSec, sum.PeakOpsPerSec)
	}
}

func hasWarning(ws []string, s string) bool {
	for _, w := range ws {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

// checkFileError checks a read failure is one line naming the file, and
// the record when one is at fault.
func checkFileError(t *testing.T, path string, err error) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FileError", err, err)
	}
	msg := err.Error()
	want := path + ": "
	if fe.Record > 0 {
		want = fmt.Sprintf("%s: record %d: ", path, fe.Record)
	}
	if fe.Path != path || !strings.HasPrefix(msg, want) || fe.Msg == "" || strings.Contains(msg, "\n") {
		t.Fatalf("error %q does not name %q (record %d) on one line", msg, path, fe.Record)
	}
}

// streamAll reads every record of path through Open and Next.
func streamAll(path string) ([]Record, error) {
	s, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var out []Record
	for {
		r, err := s.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
}
