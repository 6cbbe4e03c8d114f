package sampler

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/targettest"
)

// TestCommandRoundTrip writes a recording of a target in another
// process (record -- CMD): its header's schema (no paths) and command, its
// samples' matrices in the schema's order, and the footer's exit read back
// exactly; a target whose counters were not measured reads too.
func TestCommandRoundTrip(t *testing.T) {
	schema := target.Schema{Target: "requests", Counted: true,
		Classes:  []target.Class{{Name: "C0", Max: 8}, {Name: "C1", Min: 9, Max: 16}},
		Counters: []target.Counter{{Name: "alloc_calls", Role: target.RoleCalls}, {Name: "free_calls", Role: target.RoleFree}},
		Paths:    []target.Path{}, Gates: []target.Gate{}, Invalid: []string{}, Gauges: []string{}}
	path := filepath.Join(t.TempDir(), "t.jsonl")
	h := Header{Start: time.Unix(1e9, 0).UTC(), Interval: 10 * time.Millisecond, StatsCompiled: true, Schema: schema, Command: []string{"./prog", "1"}}
	rec, err := Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	snap := schema.NewSnapshot()
	for i, v := range [][]uint64{{1, 0, 2, 1}, {5, 4, 7, 7}} {
		copy(snap.Counters, v)
		snap.Proc.RSSBytes = uint64(i+1) << 20
		if err := rec.Record(Sample{Seq: i, Elapsed: time.Duration(i+1) * time.Millisecond, Snap: snap.Clone()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Record(Sample{Seq: 2, Elapsed: 3 * time.Millisecond}); err == nil {
		t.Errorf("a snapshot of another shape was recorded")
	}
	if err := rec.Close(Footer{Reason: "done", Exit: &Exit{Signal: "SIGSEGV", Core: true}}); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Schema.Target != "requests" || !slices.Equal(got.Header.Command, h.Command) || len(got.Samples) != 2 {
		t.Fatalf("header %q %q, %d samples", got.Header.Schema.Target, got.Header.Command, len(got.Samples))
	}
	if f := got.Footer; f == nil || f.Exit == nil || *f.Exit != (Exit{Signal: "SIGSEGV", Core: true}) {
		t.Fatalf("footer %+v", got.Footer)
	}
	if c := got.Footer.Totals.Counters; !slices.Equal(c, []uint64{5, 4, 7, 7}) || got.Samples[1].Snap.Proc.RSSBytes != 2<<20 {
		t.Errorf("totals %v, RSS %d", c, got.Samples[1].Snap.Proc.RSSBytes)
	}

	unmeasured := target.Schema{Target: "process", Classes: []target.Class{}, Counters: []target.Counter{}, Paths: []target.Path{},
		Gates: []target.Gate{}, Invalid: []string{}, Gauges: []string{}}
	path = filepath.Join(t.TempDir(), "u.jsonl")
	if rec, err = Create(path, Header{Schema: unmeasured, Command: []string{"./static"}}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(Sample{Elapsed: time.Millisecond, Snap: unmeasured.NewSnapshot()}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(Footer{Reason: "done", Exit: &Exit{Code: 3}}); err != nil {
		t.Fatal(err)
	}
	if got, err = Load(path); err != nil || got.Footer == nil || got.Footer.Exit.Code != 3 || got.Header.Schema.Counted {
		t.Fatalf("unmeasured recording: %v, footer %+v", err, got.Footer)
	}
}

// TestLoadOwnSchema reads a recorded command in its own schema
// (jemalloc-like bins "8", "16" that the embedded layout does not know):
// no warning, each sample's matrix and hits exactly, totals from the last
// sample; a counter going back is corrupt, and a cut-short file is read to
// its last whole record with a warning.
func TestLoadOwnSchema(t *testing.T) {
	schema := target.Schema{Target: "jemalloc", Counted: true,
		Classes:  []target.Class{{Name: "8", Min: 1, Max: 8}, {Name: "16", Min: 9, Max: 16}},
		Counters: []target.Counter{{Name: "nrequests", Role: target.RoleCalls}, {Name: "fast", Role: target.RoleFast}, {Name: "nflushes", Role: target.RoleOther}},
		Paths:    []target.Path{{ID: "tcache_hit", Name: "tcache hit"}}, Gates: []target.Gate{}, Invalid: []string{}, Gauges: []string{}}
	path := filepath.Join(t.TempDir(), "j.jsonl")
	rec, err := Create(path, Header{Start: time.Unix(1e9, 0).UTC(), Interval: 10 * time.Millisecond, Schema: schema, Command: []string{"./rm"}})
	if err != nil {
		t.Fatal(err)
	}
	snap := schema.NewSnapshot()
	samples := [][]uint64{{1, 0, 0, 2, 1, 0}, {5, 4, 1, 9, 8, 2}}
	for i, v := range samples {
		copy(snap.Counters, v)
		snap.Paths[0] = uint64(10 * (i + 1))
		if err := rec.Record(Sample{Seq: i, Elapsed: time.Duration(i+1) * time.Millisecond, Snap: snap.Clone()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(Footer{Reason: "done", Exit: &Exit{Code: 0}}); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != 0 || len(got.Samples) != 2 || got.Footer == nil || got.Footer.Exit == nil || got.Header.Schema.Classes[1].Name != "16" {
		t.Fatalf("warnings %q, %d samples, footer %+v", got.Warnings, len(got.Samples), got.Footer)
	}
	for i, v := range samples {
		if m := got.Samples[i].Snap; !slices.Equal(m.Counters, v) || m.Paths[0] != uint64(10*(i+1)) {
			t.Errorf("sample %d: %v %v, want %v", i, m.Counters, m.Paths, v)
		}
	}
	// 1 ms: 4 of "8"'s 5 nrequests were fast, 8 of "16"'s 9.
	if r := got.Samples[1].Rates; !slices.Equal(r.Counters, []float64{4000, 4000, 1000, 7000, 7000, 2000}) || !slices.Equal(r.FastRatio, []float64{1, 1}) {
		t.Errorf("rates %v, fast %v", r.Counters, r.FastRatio)
	}
	sum := Summarize(&got.Header.Schema, got.Samples, got.Header.Interval)
	if !slices.Equal(sum.Totals.Counters, []uint64{5, 4, 1, 9, 8, 2}) || sum.Totals.Paths[0] != 20 || sum.Covered != 2*time.Millisecond ||
		!slices.Equal(got.Footer.Totals.Counters, sum.Totals.Counters) || !slices.Equal(sum.Mean.FastRatio, []float64{4.0 / 5, 8.0 / 9}) {
		t.Errorf("totals %v, paths %v, covered %v, fast %v", sum.Totals.Counters, sum.Totals.Paths, sum.Covered, sum.Mean.FastRatio)
	}

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	back := filepath.Join(t.TempDir(), "back.jsonl") // the second sample's "16" fast goes back from 1... to 0
	os.WriteFile(back, []byte(lines[0]+lines[1]+strings.Replace(lines[2], "[9,8,2]", "[9,0,2]", 1)), 0o644)
	if _, err := Load(back); err == nil || !strings.Contains(err.Error(), "record 3: corrupt: class 16 fast goes back from 1 to 0") {
		t.Errorf("a counter going back: %v", err)
	}
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	os.WriteFile(cut, []byte(lines[0]+lines[1]+lines[2]+lines[3][:20]), 0o644)
	got, err = Load(cut)
	if err != nil || got.Footer != nil || len(got.Samples) != 2 || len(got.Warnings) != 2 || TotalsOf(got.Samples).Counters[3] != 9 {
		t.Errorf("cut short: %v, footer %v, %d samples, warnings %q", err, got.Footer, len(got.Samples), got.Warnings)
	}
}

// TestFakeTargetThroughSamplerAndRecorder: the fake target (3 classes, 2
// counters, 1 gate) sampled by a Sampler on a stepped clock into a
// Recorder started partway (AddRecorder), then Load: the file holds the
// fake's schema, every sample's counters relative to the recording's
// start, the rates the sampler computed, and footer totals exactly.
func TestFakeTargetThroughSamplerAndRecorder(t *testing.T) {
	sc := targettest.Schema("1")
	tick := 1
	clock := time.Unix(1_700_000_000, 0)
	s, err := New(sc, func() target.Snapshot { return targettest.Snapshot(&sc, tick, true) }, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.now, s.start = func() time.Time { return clock }, clock
	clock = clock.Add(time.Second)
	s.SampleNow() // tick 1, before the recording
	path := filepath.Join(t.TempDir(), "fake.jsonl")
	rec, err := Create(path, Header{Start: clock, Interval: time.Second, StatsCompiled: true, Schema: sc})
	if err != nil {
		t.Fatal(err)
	}
	remove := s.AddRecorder(rec, func(err error) { t.Error(err) })
	var live []Sample
	for tick = 2; tick <= 4; tick++ {
		clock = clock.Add(time.Second)
		live = append(live, s.SampleNow())
	}
	remove()
	if err := rec.Close(Footer{Reason: "done"}); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Schema.Target != "fake" || len(got.Samples) != 3 || len(got.Warnings) != 0 {
		t.Fatalf("schema %s, %d samples, warnings %q", got.Header.Schema.Target, len(got.Samples), got.Warnings)
	}
	// The recording began at tick 1's counters: its last sample holds ticks 2..4.
	want := []uint64{3000, 3000, 6000, 6000, 9000, 9000}
	if last := got.Samples[2].Snap; !slices.Equal(last.Counters, want) || !slices.Equal(last.Paths, []uint64{9000, 6000}) || last.Ops != 36000 {
		t.Errorf("last sample %v %v ops %d, want %v [9000 6000] 36000", last.Counters, last.Paths, last.Ops, want)
	}
	if tot := got.Footer.Totals; !slices.Equal(tot.Counters, want) || tot.Ops != 36000 {
		t.Errorf("footer totals %+v", tot)
	}
	for i, smp := range got.Samples {
		if r := smp.Rates; !slices.Equal(r.Counters, live[i].Rates.Counters) || !slices.Equal(r.Paths, live[i].Rates.Paths) ||
			!slices.Equal(r.Counters, []float64{1000, 1000, 2000, 2000, 3000, 3000}) {
			t.Errorf("sample %d rates %v, the sampler's %v", i, r.Counters, live[i].Rates.Counters)
		}
	}
}
