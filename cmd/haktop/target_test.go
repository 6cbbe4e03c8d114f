package main

// The fake target (target/targettest: 3 classes, 2 counters, 1 gate) and a
// recorded command (jemalloc-like bins) through report, diff, export: the
// same commands that read the embedded allocator's recordings, byte for
// byte against goldens, with exact totals, proving nothing above package
// target is wired to the embedded allocator's 16 classes, 9 counters and 8
// gates. Regenerate with `go test ./cmd/haktop -run 'Fake|Command' -update`.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/targettest"
)

// testStart is when the test recordings begin.
var testStart = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

// writeFake records the fake target with its gate at turbo ("0" or "1"):
// ticks samples 250 ms apart, each the fake's deterministic snapshot.
func writeFake(t *testing.T, path, turbo string, ticks int) {
	t.Helper()
	sc := targettest.Schema(turbo)
	h := sampler.Header{Start: testStart, Haktop: "v0.0.0-test", GoVersion: "go1.test", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2,
		Interval: 250 * time.Millisecond, StatsCompiled: true, Schema: sc, Command: []string{"./fake", "--turbo=" + turbo}}
	rec, err := sampler.Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= ticks; i++ {
		snap := targettest.Snapshot(&sc, i, turbo != "0")
		snap.Proc.RSSBytes = uint64(i) << 20
		if err := rec.Record(sampler.Sample{Seq: i - 1, Elapsed: time.Duration(i) * 250 * time.Millisecond, Snap: snap}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(sampler.Footer{End: testStart.Add(time.Minute), Reason: "done", Exit: &sampler.Exit{Code: 0}}); err != nil {
		t.Fatal(err)
	}
}

// TestFakeRecordingRoundTrip: what the fake's snapshots say is what Load
// reads back, and the footer's totals are the last tick's exactly.
func TestFakeRecordingRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fake.jsonl")
	writeFake(t, path, "1", 4)
	rec := mustLoad(t, path)
	sc := targettest.Schema("1")
	if len(rec.Samples) != 4 || rec.Footer == nil || len(rec.Warnings) != 0 || rec.Header.Schema.Target != "fake" || len(rec.Header.Schema.Classes) != 3 {
		t.Fatalf("%d samples, footer %v, warnings %q, schema %+v", len(rec.Samples), rec.Footer, rec.Warnings, rec.Header.Schema)
	}
	want := targettest.Snapshot(&sc, 4, true)
	tot := rec.Footer.Totals
	if !slices.Equal(tot.Counters, want.Counters) || !slices.Equal(tot.Paths, want.Paths) || tot.Ops != want.Ops ||
		!slices.Equal(tot.Counters, []uint64{4000, 4000, 8000, 8000, 12000, 12000}) || !slices.Equal(tot.Paths, []uint64{12000, 8000}) {
		t.Errorf("footer totals %+v, want the 4th tick's %v %v", tot, want.Counters, want.Paths)
	}
	// Each 250 ms tick, class c makes (c+1)*1000 mallocs: (c+1)*4000/s.
	if r := rec.Samples[3].Rates; !slices.Equal(r.Counters, []float64{4000, 4000, 8000, 8000, 12000, 12000}) || r.FastRatio != nil ||
		!slices.Equal(r.Paths, []float64{12000, 8000}) || r.OpsPerSec != 48000 {
		t.Errorf("rates %+v", r)
	}
}

// TestFakeReportGolden: the fake through report, text and JSON.
func TestFakeReportGolden(t *testing.T) {
	dir := t.TempDir()
	writeFake(t, filepath.Join(dir, "fake.jsonl"), "1", 4)
	for _, c := range []struct{ name, flag string }{{"text", ""}, {"json", "--json"}} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"report", "fake.jsonl"}
			if c.flag != "" {
				args = append(args, c.flag)
			}
			code, out, stderr := runIn(t, dir, args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			for _, bad := range []string{"HAKMEM_", "pool_v2", "C0", "alloc_refill"} {
				if strings.Contains(out, bad) {
					t.Errorf("the fake's report holds %q, of the embedded allocator's layout", bad)
				}
			}
			golden.RequireEqual(t, out)
		})
	}
}

// TestFakeDiffGolden: turbo off against on: the gate is an unfair
// difference, the turbo path's rate moves, the classes' do not.
func TestFakeDiffGolden(t *testing.T) {
	dir := t.TempDir()
	writeFake(t, filepath.Join(dir, "off.jsonl"), "0", 4)
	writeFake(t, filepath.Join(dir, "on.jsonl"), "1", 4)
	for _, c := range []struct{ name, flag string }{{"text", ""}, {"json", "--json"}} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"diff", "off.jsonl", "on.jsonl"}
			if c.flag != "" {
				args = append(args, c.flag)
			}
			requireGolden(t, dir, args...)
		})
	}
	var doc diffJSON
	_, out, _ := runIn(t, dir, "diff", "off.jsonl", "on.jsonl", "--json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Unfair) != 1 || doc.Unfair[0] != "gate FAKE_TURBO is 0 (default) in A, 1 (env) in B" || len(doc.Classes) != 3 ||
		doc.Classes[2].diff("mallocs").A != 12000 || *doc.Classes[2].diff("mallocs").Delta != 0 || doc.Paths[1].A != 0 || doc.Paths[1].B != 8000 {
		t.Errorf("diff %+v", doc)
	}
}

// TestDiffOfTwoSchemas: the fake against an embedded recording is compared
// by name, and says so first: no class or path of one is read as the
// other's.
func TestDiffOfTwoSchemas(t *testing.T) {
	dir, a, _ := fixtures(t)
	writeFake(t, filepath.Join(dir, "fake.jsonl"), "1", 4)
	code, out, stderr := runIn(t, dir, "diff", a, "fake.jsonl", "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc diffJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Unfair) == 0 || doc.Unfair[0] != "A observed target embedded, B target fake: classes, counters and paths are compared by name" {
		t.Fatalf("unfair %q", doc.Unfair)
	}
	// A's 16 classes, then the fake's 3; each only in one file reads 0 in the other.
	if len(doc.Classes) != 19 || doc.Classes[16]["class"] != "small" || doc.Classes[16].diff("alloc_calls").A != 0 || doc.Classes[16].diff("alloc_calls").B != 4000 ||
		doc.Classes[7].diff("alloc_calls").B != 0 || doc.Classes[7].diff("alloc_calls").A == 0 {
		t.Errorf("classes %v", doc.Classes)
	}
	ids := make([]string, len(doc.Paths))
	for i, p := range doc.Paths {
		ids[i] = p.ID
	}
	if !slices.Contains(ids, "turbo") || !slices.Contains(ids, "tiny_fast") {
		t.Errorf("paths %v", ids)
	}
}

// profileText renders p's samples as sorted lines "stack: type=value ...",
// leaf first, zero values left out: what a golden of an export compares.
func profileText(p *pprofile.Profile) string {
	var lines []string
	for _, s := range p.Sample {
		var stack []string
		for _, l := range s.Location {
			stack = append(stack, l.Line[0].Function.Name)
		}
		line := strings.Join(stack, " <- ") + ":"
		for i, v := range s.Value {
			if v != 0 {
				line += fmt.Sprintf(" %s=%d", p.SampleType[i].Type, v)
			}
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	types := make([]string, len(p.SampleType))
	for i, st := range p.SampleType {
		types[i] = st.Type
	}
	return "sample types: " + strings.Join(types, ", ") + "\n" + strings.Join(lines, "\n") + "\n"
}

// TestFakeExportGolden: the fake's export holds a sample type per counter
// and its totals exactly.
func TestFakeExportGolden(t *testing.T) {
	dir := t.TempDir()
	writeFake(t, filepath.Join(dir, "fake.jsonl"), "1", 4)
	code, out, stderr := runIn(t, dir, "export", "fake.jsonl", "-o", "fake.pb.gz")
	if code != 0 || stderr != "" || out != "wrote fake.pb.gz: 5 samples of 3 counters; rank classes with: go tool pprof -top -sample_index=mallocs fake.pb.gz\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	p := parseProfile(t, filepath.Join(dir, "fake.pb.gz"))
	totals, _ := totalsByType(p, "mallocs")
	if totals["mallocs"] != 24000 || totals["frees"] != 24000 || totals["path_hits"] != 20000 {
		t.Errorf("totals %v", totals)
	}
	golden.RequireEqual(t, profileText(p))
}

// writeCommand records a command's jemalloc-like bins (2 samples), their
// counts times scale: TestReportCommandGolden's recording at scale 1.
func writeCommand(t *testing.T, file string, scale uint64) {
	t.Helper()
	schema := target.Schema{Target: "jemalloc", Counted: true,
		Classes: []target.Class{{Name: "8", Min: 1, Max: 8}, {Name: "16", Min: 9, Max: 16}, {Name: "huge", Min: 17}},
		Counters: []target.Counter{{Name: "nrequests", Role: target.RoleCalls}, {Name: "fast", Role: target.RoleFast},
			{Name: "nflushes", Role: target.RoleOther}},
		Paths: []target.Path{{ID: "tcache_hit", Name: "tcache hit"}},
		Gates: []target.Gate{{Env: "MALLOC_CONF", Value: "tcache:true", Source: "default"}}, Invalid: []string{}, Gauges: []string{}}
	h := sampler.Header{Start: testStart, Haktop: "v0.0.0-test", GoVersion: "go1.test", OS: "linux",
		Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, Interval: 100 * time.Millisecond, StatsCompiled: true, Schema: schema,
		Command: []string{"./rm", "2000000", "8192", "1234567"}}
	rec, err := sampler.Create(file, h)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range [][]uint64{{0, 0, 0, 400, 380, 1, 2, 0, 0}, {0, 0, 0, 1000, 960, 3, 5, 0, 1}} {
		snap := schema.NewSnapshot()
		for k := range v {
			snap.Counters[k] = v[k] * scale
		}
		snap.Paths[0], snap.Proc.RSSBytes = uint64(500*(i+1))*scale, uint64(i+3)<<20
		if err := rec.Record(sampler.Sample{Seq: i, Elapsed: time.Duration(i+1) * 100 * time.Millisecond, Snap: snap}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(sampler.Footer{End: testStart.Add(time.Second), Reason: "done", Exit: &sampler.Exit{Code: 0}}); err != nil {
		t.Fatal(err)
	}
}

// TestCommandDiffAndExportGolden: a recorded command through diff (against
// one with twice the counts) and export.
func TestCommandDiffAndExportGolden(t *testing.T) {
	dir := t.TempDir()
	writeCommand(t, filepath.Join(dir, "a.jsonl"), 1)
	writeCommand(t, filepath.Join(dir, "b.jsonl"), 2)
	t.Run("diff", func(t *testing.T) {
		requireGolden(t, dir, "diff", "a.jsonl", "b.jsonl")
	})
	t.Run("export", func(t *testing.T) {
		code, out, stderr := runIn(t, dir, "export", "a.jsonl", "-o", "a.pb.gz")
		if code != 0 || stderr != "" || !strings.HasPrefix(out, "wrote a.pb.gz: ") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
		}
		p := parseProfile(t, filepath.Join(dir, "a.pb.gz"))
		if totals, _ := totalsByType(p, "nrequests"); totals["nrequests"] != 1005 || totals["fast"] != 960 || totals["path_hits"] != 1000 {
			t.Errorf("totals %v", totals)
		}
		golden.RequireEqual(t, out+profileText(p))
	})
}
