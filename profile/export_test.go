package profile

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// The sample types of the embedded allocator's counter profile: its
// counters in column order, then path hits.
const (
	stAllocCalls = iota
	stAllocFast
	stAllocRefill
	stAllocRefillFail
	stAllocFallback
	stFreeCalls
	stFreeFast
	stFreeRemote
	stFreeFallback
	stPathHits
	numSampleTypes
)

// countersOf runs spec under cfg and returns its exact counters, as the
// allocator gives them and as its target's snapshot.
func countersOf(t *testing.T, cfg allocator.Config, spec workload.Spec) (target.Schema, target.Snapshot, allocator.Snapshot) {
	snap := runWorkload(t, cfg, spec)
	s := embedded.Schema(cfg)
	ts := s.NewSnapshot()
	embedded.Snapshot(&snap, &ts)
	return s, ts, snap
}

// counterProfileOf runs spec under cfg and returns its counter profile.
func counterProfileOf(t *testing.T, cfg allocator.Config, spec workload.Spec) (*pprofile.Profile, allocator.Snapshot) {
	s, ts, snap := countersOf(t, cfg, spec)
	return CounterProfile(&s, ts, time.Unix(1700000000, 0), time.Second), snap
}

// readBack writes p to a file and parses it again, as go tool pprof would.
func readBack(t *testing.T, p *pprofile.Profile) (*pprofile.Profile, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "paths.pb.gz")
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q, err := pprofile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.CheckValid(); err != nil {
		t.Fatal(err)
	}
	return q, path
}

// sums returns each sample type's total and the per-path totals of one type.
func sums(p *pprofile.Profile, st int) (total [numSampleTypes]int64, byPath map[string]int64) {
	byPath = map[string]int64{}
	for _, s := range p.Sample {
		for i, v := range s.Value {
			total[i] += v
		}
		byPath[s.Location[0].Line[0].Function.Name] += s.Value[st]
	}
	return total, byPath
}

func TestCounterProfileTotalsAreExact(t *testing.T) {
	mixed := workload.DefaultSpec(workload.RandomMixed)
	mixed.Cycles, mixed.Workers = 300_000, 2
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 100_000
	larson := workload.DefaultSpec(workload.Larson)
	larson.Cycles = 100_000
	for name, tc := range map[string]struct {
		cfg  allocator.Config
		spec workload.Spec
	}{
		"random_mixed":    {config(t), mixed},
		"mid_pool v2":     {config(t, v2, "1", "HAKMEM_POOL_V2_PAGES", "4"), mid},
		"larson (remote)": {config(t), larson},
	} {
		t.Run(name, func(t *testing.T) {
			cp, snap := counterProfileOf(t, tc.cfg, tc.spec)
			p, _ := readBack(t, cp)
			var want [numSampleTypes]int64
			var tot allocator.Counters
			for _, c := range snap.Classes {
				tot.Add(c.Counters)
			}
			want = [numSampleTypes]int64{int64(tot.AllocCalls), int64(tot.AllocFast), int64(tot.AllocRefill), int64(tot.AllocRefillFail),
				int64(tot.AllocFallback), int64(tot.FreeCalls), int64(tot.FreeFast), int64(tot.FreeRemote), int64(tot.FreeFallback), 0}
			for _, h := range snap.Paths {
				want[stPathHits] += int64(h)
			}
			got, hits := sums(p, stPathHits)
			if got != want {
				t.Errorf("sample type totals\n got %v\nwant %v", got, want)
			}
			for id, h := range snap.Paths {
				if hits[allocator.Paths[id].Key] != int64(h) {
					t.Errorf("path_hits of %s = %d, want %d", allocator.Paths[id].Key, hits[allocator.Paths[id].Key], h)
				}
			}
			if tot.AllocCalls == 0 {
				t.Fatal("the workload allocated nothing")
			}
		})
	}
}

func TestCounterProfileStacks(t *testing.T) {
	mid := workload.DefaultSpec(workload.MidPool)
	mid.Cycles = 100_000
	cp, snap := counterProfileOf(t, config(t, v2, "1", "HAKMEM_POOL_V2_PAGES", "4"), mid)
	p, _ := readBack(t, cp)
	_, refills := sums(p, stAllocRefill)
	_, fallbacks := sums(p, stAllocFallback)
	if refills["pool_v2_alloc"] == 0 || refills["pool_v1_alloc"] != 0 || refills["tiny_refill"] != 0 {
		t.Errorf("alloc_refill by path = %v, want it all under pool_v2_alloc", refills)
	}
	if fallbacks["pool_v2_fallback"] == 0 || int64(snap.Paths[allocator.PathPoolV2Fallback]) != fallbacks["pool_v2_fallback"] {
		t.Errorf("alloc_fallback by path = %v, want pool_v2_fallback = its %d hits (a 4-page budget)", fallbacks, snap.Paths[allocator.PathPoolV2Fallback])
	}
	for _, s := range p.Sample {
		leaf := s.Location[0].Line[0].Function.Name
		if _, ok := allocator.PathByKey(leaf); !ok {
			t.Fatalf("sample leaf %q is not a path", leaf)
		}
		if len(s.Location) == 2 && !strings.HasPrefix(s.Location[1].Line[0].Function.Name, "P") {
			t.Errorf("mid_pool sample under class %s", s.Location[1].Line[0].Function.Name)
		}
		if len(s.Location) == 1 && s.Value[stPathHits] == 0 {
			t.Errorf("a one-frame sample that is not a hit count: %v", s.Value)
		}
	}
}

// A torn live snapshot whose calls differ from their parts still exports exact totals.
func TestCounterProfileTornCounters(t *testing.T) {
	var a allocator.Snapshot
	a.Classes[2].Counters = allocator.Counters{AllocCalls: 10, AllocFast: 7, AllocRefill: 1, FreeCalls: 3, FreeFast: 4}
	s := embedded.Schema(allocator.DefaultConfig())
	snap := s.NewSnapshot()
	embedded.Snapshot(&a, &snap)
	got, _ := sums(CounterProfile(&s, snap, time.Time{}, 0), 0)
	if got[stAllocCalls] != 10 || got[stFreeCalls] != 3 || got[stAllocFast] != 7 || got[stFreeFast] != 4 {
		t.Errorf("totals = %v", got)
	}
}

// Both exported files open in go tool pprof: the counter profile ranks
// refills, the merged CPU profile of a run lists allocator functions.
func TestExportedFilesOpenInGoToolPprof(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	mixed := workload.DefaultSpec(workload.RandomMixed)
	mixed.Cycles = 300_000
	cp, _ := counterProfileOf(t, config(t), mixed)
	_, counters := readBack(t, cp)
	out, err := exec.Command(gobin, "tool", "pprof", "-top", "-sample_index=alloc_refill", counters).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Type: alloc_refill") || !strings.Contains(string(out), "tiny_refill") {
		t.Errorf("go tool pprof -top -sample_index=alloc_refill:\n%s", out)
	}

	c, err := NewCollector(MinWindow, &embeddedSchema)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	profileUntil(t, c, workload.RandomMixed, func() bool {
		d, _ := c.Total().Row(KeyDispatch)
		return d.Samples > 0 // a sample in the allocator's code, for the check below
	})
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteMerged(&buf); err != nil {
		t.Fatal(err)
	}
	cpu := filepath.Join(t.TempDir(), "cpu.pb.gz")
	if err := os.WriteFile(cpu, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(gobin, "tool", "pprof", "-top", cpu).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Type: cpu") || !strings.Contains(string(out), "allocator.") {
		t.Errorf("go tool pprof -top cpu.pb.gz:\n%s", out)
	}
}

func TestWriteFileNamesThePath(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "missing", "x.pb.gz")
	if err := WriteFile(bad, CounterProfile(&embeddedSchema, embeddedSchema.NewSnapshot(), time.Time{}, 0)); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("WriteFile into a missing directory = %v", err)
	}
}
