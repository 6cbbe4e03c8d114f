package sampler

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/haktop/haktop/target"
)

// TestRecordTargetRoundTrip writes a recording of a target in another
// process (record -- CMD): its header's schema (no paths) and command, its
// samples' matrices in the schema's order, and the footer's exit read back
// exactly; a target whose counters were not measured reads too.
func TestRecordTargetRoundTrip(t *testing.T) {
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
		if err := rec.RecordTarget(i, time.Duration(i+1)*time.Millisecond, snap); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.RecordTarget(2, 3*time.Millisecond, target.Snapshot{}); err == nil {
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
	c := got.Footer.Totals.Classes
	if c[0].AllocCalls != 5 || c[0].FreeCalls != 4 || c[1].AllocCalls != 7 || c[1].FreeCalls != 7 || got.Samples[1].Proc.RSSBytes != 2<<20 {
		t.Errorf("totals C0 %d/%d C1 %d/%d, RSS %d", c[0].AllocCalls, c[0].FreeCalls, c[1].AllocCalls, c[1].FreeCalls, got.Samples[1].Proc.RSSBytes)
	}

	unmeasured := target.Schema{Target: "process", Classes: []target.Class{}, Counters: []target.Counter{}, Paths: []target.Path{},
		Gates: []target.Gate{}, Invalid: []string{}, Gauges: []string{}}
	path = filepath.Join(t.TempDir(), "u.jsonl")
	if rec, err = Create(path, Header{Schema: unmeasured, Command: []string{"./static"}}); err != nil {
		t.Fatal(err)
	}
	if err := rec.RecordTarget(0, time.Millisecond, unmeasured.NewSnapshot()); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(Footer{Reason: "done", Exit: &Exit{Code: 3}}); err != nil {
		t.Fatal(err)
	}
	if got, err = Load(path); err != nil || got.Footer == nil || got.Footer.Exit.Code != 3 || got.Header.Schema.Counted {
		t.Fatalf("unmeasured recording: %v, footer %+v", err, got.Footer)
	}
}
