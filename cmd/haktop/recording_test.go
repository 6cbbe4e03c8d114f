package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// fixture describes a deterministic recording: no wall clock, no real
// workload, every counter a function of the sample index.
type fixture struct {
	spec    workload.Spec
	env     map[string]string // HAKMEM_* values, as from the environment
	samples int
	// pool names the pool path pair P0 runs on: "v1" or "v2".
	pool string
	// restartAt, when > 0, restarts the allocator before that sample with
	// HAKMEM_POOL_V2_ENABLED flipped.
	restartAt int
	scale     uint64 // events per tick of the fastest class
	cutShort  bool   // no footer, and half a record at the end
}

// writeFixture writes f to dir/name and returns its path.
func writeFixture(t *testing.T, dir, name string, f fixture) string {
	t.Helper()
	path := filepath.Join(dir, name)
	cfg, err := allocator.ConfigFrom(func(k string) (string, bool) { v, ok := f.env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	const interval = 250 * time.Millisecond
	h := sampler.Header{
		Start: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Haktop: "v0.1.0 fixture", GoVersion: "go1.26.0",
		OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, Interval: interval, StatsCompiled: true,
		Workload: f.spec, Gates: gateValues(cfg),
	}
	rec, err := sampler.Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	var snap allocator.Snapshot
	var ops int64
	epoch, epochStart := 0, time.Duration(0)
	pool := f.pool
	for i := 0; i < f.samples; i++ {
		el := time.Duration(i+1) * interval
		if i == f.restartAt && f.restartAt > 0 {
			epoch++
			epochStart = el - interval/2
			snap, ops = allocator.Snapshot{}, 0
			if pool == "v1" {
				pool = "v2"
			} else {
				pool = "v1"
			}
			cfg.Set("HAKMEM_POOL_V2_ENABLED", map[string]string{"v1": "0", "v2": "1"}[pool])
			rec.Event(sampler.Event{Elapsed: epochStart, Kind: sampler.EventRestart, Epoch: epoch,
				Message: "HAKMEM_POOL_V2_ENABLED set to " + map[string]string{"v1": "0", "v2": "1"}[pool], Gates: gateValues(cfg)})
		}
		// Classes C1..C7 and P0 busy; a burst in sample 3.
		burst := uint64(1)
		if i == 3 {
			burst = 2
		}
		for c := 1; c <= 8; c++ {
			k := &snap.Classes[c].Counters
			n := f.scale * burst * uint64(c) / 8
			refills := n/1000 + uint64(c%3)
			k.AllocCalls += n
			k.AllocFast += n - refills
			k.AllocRefill += refills
			k.FreeCalls += n
			k.FreeFast += n
			ops += int64(2 * n)
			if c < 8 {
				snap.Paths[allocator.PathTinyFast] += 2*n - refills
				snap.Paths[allocator.PathTinyRefill] += refills
			} else if pool == "v1" {
				snap.Paths[allocator.PathPoolV1Alloc] += n
				snap.Paths[allocator.PathPoolV1Free] += n
			} else {
				snap.Paths[allocator.PathPoolV2Alloc] += n
				snap.Paths[allocator.PathPoolV2Free] += n
			}
		}
		snap.Heaps = f.spec.Workers
		snap.StatsCompiled = true
		snap.Memory.SuperslabsMapped = 2
		smp := sampler.Sample{Seq: i, Elapsed: el, Epoch: epoch, EpochStart: epochStart, Snap: embeddedSnap(snap, ops)}
		smp.Snap.Proc = target.Proc{RSSBytes: uint64(12+i) << 20, NumGC: uint32(i / 3), LastPause: time.Duration(50+i) * time.Microsecond, HeapInUse: 4 << 20}
		if err := rec.Record(smp); err != nil {
			t.Fatal(err)
		}
	}
	if f.cutShort {
		rec.Event(sampler.Event{Elapsed: time.Hour, Kind: sampler.EventNote, Message: "this line will be cut"})
		raw, _ := os.ReadFile(path)
		if err := os.WriteFile(path, raw[:len(raw)-20], 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if err := rec.Close(sampler.Footer{End: h.Start.Add(time.Minute), Reason: "done"}); err != nil {
		t.Fatal(err)
	}
	return path
}

// fixtures writes the standard pair into a temp dir and returns the dir and
// the files' names in it; run the CLI there with runIn, so goldens hold
// short relative names.
func fixtures(t *testing.T) (dir, a, b string) {
	t.Helper()
	dir = t.TempDir()
	base := workload.DefaultSpec(workload.RandomMixed)
	writeFixture(t, dir, "a.jsonl", fixture{spec: base, samples: 8, pool: "v1", scale: 4_000_000})
	other := base
	other.WS = 4096
	writeFixture(t, dir, "b.jsonl.gz", fixture{spec: other, env: map[string]string{"HAKMEM_POOL_V2_ENABLED": "1"},
		samples: 8, pool: "v2", scale: 5_000_000, restartAt: 5})
	return dir, "a.jsonl", "b.jsonl.gz"
}

// runIn runs the CLI with dir as the working directory, then returns to
// the package directory (where the goldens are).
func runIn(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	return runCLI(t, args...)
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

func mustLoad(t *testing.T, path string) *sampler.Recording {
	t.Helper()
	rec, err := sampler.Load(path)
	if err == nil {
		rec.Path = filepath.Base(path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
