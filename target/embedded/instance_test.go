package embedded

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// The Config takes and refuses values exactly as the registry does, with
// its messages, and a restart's cycle (Set then Value) reads canonical text.
func TestConfigSetsGatesAsTheRegistry(t *testing.T) {
	c := DefaultConfig()
	if err := c.Set("HAKMEM_POOL_V2_CLASSES", "3"); err != nil {
		t.Fatal(err)
	}
	if v := c.Value("HAKMEM_POOL_V2_CLASSES"); v != "0x03" {
		t.Errorf("after Set 3: %q, want 0x03", v)
	}
	if c.Schema().Notes[0] != "pool classes served by hotbox v2: 0x00" {
		t.Errorf("v2 off: %q", c.Schema().Notes[0])
	}
	want := allocator.DefaultConfig()
	for _, raw := range []string{"2", "yes"} {
		got, wantErr := c.Set("HAKMEM_POOL_V2_ENABLED", raw), want.Set("HAKMEM_POOL_V2_ENABLED", raw)
		if got == nil || got.Error() != wantErr.Error() || !strings.Contains(got.Error(), "want 0, 1, true or false") {
			t.Errorf("Set %s: %v, want the registry's %v", raw, got, wantErr)
		}
	}
	_, err := ConfigFrom(func(k string) (string, bool) { return "7", k == "HAKMEM_TINY_CACHE_CAP" })
	if err == nil || !strings.HasPrefix(err.Error(), `HAKMEM_TINY_CACHE_CAP="7" is not valid: want an integer from 8 to `) {
		t.Errorf("ConfigFrom cap 7: %v", err)
	}
	u := UnknownGates([]string{"PATH=/bin", "HAKMEM_pool_v2_enabled=1", "HAKMEM_POOL_V2_ENABLED=1"})
	if len(u) != 1 || u[0].Short() != "HAKMEM_pool_v2_enabled ignored: did you mean HAKMEM_POOL_V2_ENABLED? (gate names are upper case)" {
		t.Errorf("unknown gates: %v", u)
	}
}

// An Instance counts a workload's calls exactly, per heap and in all, and
// its stats dump goes where New was told.
func TestInstanceRunsAndReadsAWorkload(t *testing.T) {
	cfg := DefaultConfig()
	for env, v := range map[string]string{"HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_STATS": "1"} {
		if err := cfg.Set(env, v); err != nil {
			t.Fatal(err)
		}
	}
	var dump bytes.Buffer
	in, err := New(cfg, &dump)
	if err != nil {
		t.Fatal(err)
	}
	spec := workload.DefaultSpec(workload.MidPool)
	spec.Workers, spec.Cycles, spec.Duration = 2, 20000, 0
	run, err := in.Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	res := run.Wait()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	s := in.Schema()
	calls, frees := s.CounterOf(target.RoleCalls), s.CounterOf(target.RoleFree)
	sum := func(snap []uint64) (n uint64) {
		for c := range s.Classes {
			n += snap[c*len(s.Counters)+calls] + snap[c*len(s.Counters)+frees]
		}
		return n
	}
	all := in.Snapshot()
	if got, want := sum(all.Counters), uint64(res.Allocs+res.Frees+res.Drained); allocator.StatsCompiled && (got != want || got == 0) {
		t.Errorf("all heaps: %d calls, the run made %d (allocs, frees and the drain)", got, want)
	}
	var perHeap uint64
	for i := range spec.Workers {
		h, ok := in.HeapSnapshot(run.HeapID(i))
		if !ok {
			t.Fatalf("worker %d's heap %d: none", i, run.HeapID(i))
		}
		perHeap += sum(h.Counters)
	}
	if perHeap != sum(all.Counters) {
		t.Errorf("heaps add to %d calls, all %d", perHeap, sum(all.Counters))
	}
	if h, ok := in.HeapSnapshot(1000); ok || len(h.Counters) != len(all.Counters) {
		t.Errorf("heap 1000: ok %v, %d counters (want false and zeros shaped like the rest)", ok, len(h.Counters))
	}
	if in.Config().Value("HAKMEM_POOL_V2_ENABLED") != "1" {
		t.Error("Config lost a gate")
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dump.String(), "[POOL_V2_STATS] enabled=true") {
		t.Errorf("stats dump: %.80q", dump.String())
	}
}

// LargeBytes reads the allocator's large-block bytes by the gauge's name,
// wherever a schema puts it, and 0 from a schema without it.
func TestLargeBytesByName(t *testing.T) {
	var a allocator.Snapshot
	a.Memory = allocator.MemoryStats{LargeBytes: 300000, MappedBytes: 7}
	snap := Of(&a)
	s := DefaultSchema()
	if got := LargeBytes(&s, &snap); got != 300000 {
		t.Errorf("LargeBytes %d, want 300000", got)
	}
	moved := s
	moved.Gauges = slices.Clone(s.Gauges)
	slices.Reverse(moved.Gauges)
	msnap := snap.Clone()
	slices.Reverse(msnap.Gauges)
	if got := LargeBytes(&moved, &msnap); got != 300000 {
		t.Errorf("gauges reversed: LargeBytes %d, want 300000", got)
	}
	none := s
	none.Gauges = slices.DeleteFunc(slices.Clone(s.Gauges), func(g string) bool { return g == "large_bytes" })
	nsnap := none.NewSnapshot()
	if got := LargeBytes(&none, &nsnap); got != 0 {
		t.Errorf("no large_bytes gauge: %d, want 0", got)
	}
}
