package profile

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/targettest"
	"github.com/haktop/haktop/workload"
)

// writeRecording writes a session of two epochs: mid_pool under cfg0, then
// (after a restart event) mid_pool under cfg1, each epoch one final sample.
func writeRecording(t *testing.T, cfg0, cfg1 allocator.Config, spec workload.Spec, footer bool) (*sampler.Recording, [2]allocator.Snapshot) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.jsonl")
	h := sampler.Header{Start: time.Unix(1700000000, 0), Interval: time.Second, StatsCompiled: true, Workload: spec, Gates: sampler.GateValues(embedded.Gates(cfg0))}
	rec, err := sampler.Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	snaps := [2]allocator.Snapshot{runWorkload(t, cfg0, spec), runWorkload(t, cfg1, spec)}
	if err := rec.Record(sampler.Sample{Seq: 0, Elapsed: time.Second, Snap: embedded.Of(&snaps[0])}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Event(sampler.Event{Elapsed: time.Second, Kind: sampler.EventRestart, Epoch: 1, Gates: sampler.GateValues(embedded.Gates(cfg1))}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(sampler.Sample{Seq: 1, Elapsed: 3 * time.Second, Epoch: 1, EpochStart: time.Second, Snap: embedded.Of(&snaps[1])}); err != nil {
		t.Fatal(err)
	}
	if footer {
		if err := rec.Close(sampler.Footer{Reason: "done"}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := sampler.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return r, snaps
}

func TestRecordingProfileMapsEachEpochWithItsGates(t *testing.T) {
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 50_000
	rec, snaps := writeRecording(t, config(t), config(t, v2, "1"), mid, true)
	p, err := RecordingProfile(rec)
	if err != nil {
		t.Fatal(err)
	}
	p, _ = readBack(t, p)
	_, refills := sums(p, stAllocRefill)
	var want [2]int64
	for e, s := range snaps {
		for c := allocator.NumTinyClasses; c < allocator.LargeClass; c++ {
			want[e] += int64(s.Classes[c].AllocRefill)
		}
	}
	if want[0] == 0 || want[1] == 0 || refills["pool_v1_alloc"] != want[0] || refills["pool_v2_alloc"] != want[1] {
		t.Errorf("alloc_refill: pool_v1_alloc %d (want epoch 0's %d), pool_v2_alloc %d (want epoch 1's %d)",
			refills["pool_v1_alloc"], want[0], refills["pool_v2_alloc"], want[1])
	}
	if p.DurationNanos != int64(3*time.Second) {
		t.Errorf("duration %v, want the 3s the epochs cover", time.Duration(p.DurationNanos))
	}
}

func TestRecordingVerdicts(t *testing.T) {
	tiny := workload.DefaultSpec(workload.TinyHot)
	tiny.Cycles = 50_000
	rec, _ := writeRecording(t, config(t, v2, "1"), config(t), tiny, true)
	if g := gate(t, RecordingVerdicts(rec), v2); g.Verdict != NeverExecuted || g.Source != "code" {
		t.Errorf("v2 on, tiny_hot recording: %+v", g)
	}
	if g := gate(t, RecordingVerdicts(rec), "HAKMEM_TINY_CACHE_CAP"); g.Verdict != Active {
		t.Errorf("tiny cache cap, tiny_hot recording: %+v", g)
	}
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 50_000
	rec, _ = writeRecording(t, config(t, v2, "1"), config(t), mid, false)
	if g := gate(t, RecordingVerdicts(rec), v2); g.Verdict != Active {
		t.Errorf("v2 on, mid_pool recording: %+v", g)
	}
	rec.Samples = nil
	if g := gate(t, RecordingVerdicts(rec), v2); g.Verdict != WarmingUp {
		t.Errorf("a recording with no samples: %+v", g)
	}
	if _, err := RecordingProfile(rec); err == nil {
		t.Error("RecordingProfile of no samples succeeded")
	}
}

// TestRecordedGatesGiveTheLiveVerdicts: the gates a recording holds (their
// values and which paths each switches off) give, after the round trip
// through the file, exactly the verdicts the live gates give on the same
// hits.
func TestRecordedGatesGiveTheLiveVerdicts(t *testing.T) {
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 50_000
	for _, cfg := range []allocator.Config{config(t), config(t, v2, "1", "HAKMEM_POOL_V2_CLASSES", "0"), config(t, v2, "1", "HAKMEM_SS_MAX", "8")} {
		rec, snaps := writeRecording(t, cfg, config(t), mid, true)
		got := RecordingVerdicts(rec)
		want := verdictsOf(cfg, Evidence{Hits: snaps[0].Paths[:], Counted: true, Settled: true})
		if len(got) != len(want) {
			t.Fatalf("%d gates, want %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Env != w.Env || g.Value != w.Value || g.Source != w.Source || g.Verdict != w.Verdict || len(g.Paths) != len(w.Paths) {
				t.Errorf("gate %d: %s=%s (%s) %s, want %s=%s (%s) %s", i, g.Env, g.Value, g.Source, g.Verdict, w.Env, w.Value, w.Source, w.Verdict)
				continue
			}
			for j := range w.Paths {
				if g.Paths[j] != w.Paths[j] {
					t.Errorf("%s path %d: %+v, want %+v", g.Env, j, g.Paths[j], w.Paths[j])
				}
			}
		}
	}
}

// TestRecordingOfAnotherShape: a recording whose header names classes,
// counters and paths in another order, some this build lacks, is read in
// its own schema, so its profile and verdicts index nothing past it: the
// counts land on their names (no panic on a file of another shape).
func TestRecordingOfAnotherShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	lines := `{"type":"header","format":"haktop-session","version":1,"interval_ns":100000000,"stats_compiled":true,` +
		`"classes":["X","C3"],"counters":["free_remote","bogus","alloc_calls"],"paths":["nope","tiny_refill"],"workload":{"name":"tiny_hot"}}
{"type":"sample","seq":0,"elapsed_ns":1000000000,"classes":[[0,0,0],[4,0,11]],"paths":[0,7]}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := sampler.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Samples[0].Snap; !slices.Equal(got.Counters, []uint64{0, 0, 0, 4, 0, 11}) || !slices.Equal(got.Paths, []uint64{0, 7}) {
		t.Errorf("counters %v paths %v", got.Counters, got.Paths)
	}
	p, err := RecordingProfile(rec)
	if err != nil {
		t.Fatal(err)
	}
	totals := map[string]int64{}
	for _, smp := range p.Sample {
		for i, v := range smp.Value {
			totals[p.SampleType[i].Type] += v
		}
	}
	if totals["alloc_calls"] != 11 || totals["free_remote"] != 4 || totals[PathHitsType] != 7 {
		t.Errorf("profile totals %v, want alloc_calls 11, free_remote 4, path_hits 7", totals)
	}
	if vs := RecordingVerdicts(rec); len(vs) != 0 {
		t.Errorf("verdicts %+v of a recording without gates", vs)
	}
}

// TestRecordingOfTheFakeTarget: a recording of targettest's fake, its gate
// on then (after a restart) off, gives the verdict of the first epoch's
// hits and a counter profile of its own counters, the two epochs summed.
func TestRecordingOfTheFakeTarget(t *testing.T) {
	on, off := targettest.Schema("1"), targettest.Schema("0")
	path := filepath.Join(t.TempDir(), "fake.jsonl")
	rec, err := sampler.Create(path, sampler.Header{Start: time.Unix(1700000000, 0), Interval: time.Second, StatsCompiled: true,
		Workload: workload.Spec{Name: "fake_loop", Workers: 1}, Schema: on, Gates: sampler.GateValues(on.Gates)})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(sampler.Sample{Seq: 0, Elapsed: time.Second, Snap: targettest.Snapshot(&on, 2, true)}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Event(sampler.Event{Elapsed: time.Second, Kind: sampler.EventRestart, Epoch: 1, Gates: sampler.GateValues(off.Gates)}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(sampler.Sample{Seq: 1, Elapsed: 2 * time.Second, Epoch: 1, EpochStart: time.Second, Snap: targettest.Snapshot(&off, 1, false)}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(sampler.Footer{Reason: "done"}); err != nil {
		t.Fatal(err)
	}
	r, err := sampler.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	vs := RecordingVerdicts(r)
	if len(vs) != 1 || vs[0].Env != targettest.GateEnv || vs[0].Value != "1" || vs[0].Verdict != Active || len(vs[0].Paths) != 1 || vs[0].Paths[0].Hits != 4000 {
		t.Errorf("verdicts %+v, want FAKE_TURBO=1 ACTIVE on turbo's 4000 hits of the first epoch", vs)
	}
	p, err := RecordingProfile(r)
	if err != nil {
		t.Fatal(err)
	}
	totals := map[string]int64{}
	byClass := map[string]int64{}
	for _, smp := range p.Sample {
		for i, st := range p.SampleType {
			totals[st.Type] += smp.Value[i]
		}
		byClass[smp.Location[len(smp.Location)-1].Line[0].Function.Name] += smp.Value[0]
	}
	// mallocs: (1+2+3)*1000 per tick, 2 ticks then 1; path hits: 3000 plain
	// and 2000 turbo per tick with turbo on, 3000 plain with it off.
	if want := map[string]int64{"mallocs": 18000, "frees": 18000, PathHitsType: 3*3000 + 2*2000}; !maps.Equal(totals, want) {
		t.Errorf("totals %v, want %v", totals, want)
	}
	if byClass["huge/large"] != 9000 || byClass["small/64B"] != 3000 {
		t.Errorf("mallocs by class %v", byClass)
	}
}
