package tui

// Recordings of targets other than the embedded allocator replay through
// the same Replay and screen: the fake target (3 classes, 2 counters, 1
// gate) and a recorded command's jemalloc-like bins, the last sample of
// each at 120x40 against a plain-text golden. Regenerate with
// `go test ./tui -run ReplayOfAnotherTarget -update`.

import (
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/targettest"
)

// writeTargetRecording records snaps of sc, 250 ms apart, to path.
func writeTargetRecording(t *testing.T, path string, sc target.Schema, command []string, snaps []target.Snapshot) {
	t.Helper()
	h := sampler.Header{Start: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), Haktop: "v0.0.0-test", GoVersion: "go1.test", OS: "linux",
		Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, Interval: 250 * time.Millisecond, StatsCompiled: true, Schema: sc, Command: command}
	rec, err := sampler.Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	for i, snap := range snaps {
		snap.Proc.RSSBytes = uint64(i+1) << 20
		if err := rec.Record(sampler.Sample{Seq: i, Elapsed: time.Duration(i+1) * 250 * time.Millisecond, Snap: snap}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(sampler.Footer{Reason: "done", Exit: &sampler.Exit{}}); err != nil {
		t.Fatal(err)
	}
}

func TestReplayOfAnotherTarget(t *testing.T) {
	dir := t.TempDir()
	fake := targettest.Schema("1")
	var fakeSnaps []target.Snapshot
	for i := 1; i <= 4; i++ {
		fakeSnaps = append(fakeSnaps, targettest.Snapshot(&fake, i, true))
	}
	bins := target.Schema{Target: "jemalloc", Counted: true,
		Classes: []target.Class{{Name: "8", Min: 1, Max: 8}, {Name: "16", Min: 9, Max: 16}, {Name: "huge", Min: 17}},
		Counters: []target.Counter{{Name: "nrequests", Role: target.RoleCalls}, {Name: "fast", Role: target.RoleFast},
			{Name: "nflushes", Role: target.RoleOther}},
		Paths: []target.Path{{ID: "tcache_hit", Name: "tcache hit"}},
		Gates: []target.Gate{{Env: "MALLOC_CONF", Value: "tcache:true", Source: "default"}}, Invalid: []string{}, Gauges: []string{}}
	var binSnaps []target.Snapshot
	for i, v := range [][]uint64{{0, 0, 0, 400, 380, 1, 2, 0, 0}, {0, 0, 0, 1000, 960, 3, 5, 0, 1}} {
		snap := bins.NewSnapshot()
		copy(snap.Counters, v)
		snap.Paths[0] = uint64(500 * (i + 1))
		binSnaps = append(binSnaps, snap)
	}
	for _, c := range []struct {
		name    string
		schema  target.Schema
		command []string
		snaps   []target.Snapshot
	}{
		{"fake", fake, []string{"./fake"}, fakeSnaps},
		{"command", bins, []string{"./rm", "2000000"}, binSnaps},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".jsonl")
			writeTargetRecording(t, path, c.schema, c.command, c.snaps)
			rec, err := sampler.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			rec.Path = c.name + ".jsonl"
			r, err := live.NewReplay(rec)
			if err != nil {
				t.Fatal(err)
			}
			m := drive(t, New(r, Options{Replay: true, Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: 120, Height: 40})
			m = drive(t, m, keys(append([]string{"space"}, repeat("right", len(rec.Samples))...)...)...)
			f := r.Frame()
			if f.Status.Replay.Index != len(rec.Samples)-1 || len(f.Classes) != len(c.schema.Classes) {
				t.Fatalf("at sample %d of %d, %d class rows", f.Status.Replay.Index, len(rec.Samples), len(f.Classes))
			}
			golden.RequireEqual(t, ansi.Strip(m.View().Content))
		})
	}
}
