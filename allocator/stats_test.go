package allocator

import (
	"slices"
	"testing"
)

// tinyFastAgrees checks the counts that must agree exactly: tiny_fast's hits
// are the tiny classes' alloc_fast + free_fast, and slow_entry's hits are
// every call counted on a class row less those fast ones, plus invalid frees.
func tinyFastAgrees(t *testing.T, s Snapshot) {
	t.Helper()
	var fast, calls uint64
	for c, row := range s.Classes {
		calls += row.AllocCalls + row.FreeCalls
		if c < NumTinyClasses {
			fast += row.AllocFast + row.FreeFast
		}
	}
	if got := s.Paths[PathTinyFast]; got != fast {
		t.Errorf("tiny_fast hits %d, want the tiny classes' alloc_fast + free_fast = %d", got, fast)
	}
	if got, want := s.Paths[PathSlowEntry], calls-fast+s.Invalid.Total(); got != want {
		t.Errorf("slow_entry hits %d, want the calls that missed the fast path = %d", got, want)
	}
}

// TestPublishAnswerIsNotASlowEntry runs tiny_hot-style churn with a publish
// request before every Free: each request traps a Free that the fast path
// would have taken, and the answer must not count as a slow-path entry.
func TestPublishAnswerIsNotASlowEntry(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	const n = 500
	for i := 0; i < n; i++ {
		b := h.Alloc(64)
		h.request()
		if err := h.Free(b); err != nil {
			t.Fatal(err)
		}
	}
	h.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
	// One real slow call: the first Alloc, which refilled the empty cache.
	if got := s.Paths[PathSlowEntry]; got != 1 {
		t.Errorf("slow_entry hits %d, want 1 (the one refill); publish answers are not slow-path entries", got)
	}
	if got, want := s.Paths[PathTinyFast], uint64(2*n-1); got != want {
		t.Errorf("tiny_fast hits %d, want %d", got, want)
	}
	c3 := s.Classes[3]
	if c3.AllocFast != n-1 || c3.AllocRefill != 1 || c3.FreeFast != n {
		t.Errorf("C3 %+v, want %d fast allocs, 1 refill, %d fast frees", c3.Counters, n-1, n)
	}
}

// TestFastCountsAgreeEveryTier checks the exact agreement on a mixed run
// whose heap the publisher keeps asking.
func TestFastCountsAgreeEveryTier(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	sizes := []int{8, 64, 1000, 3000, 70000}
	var live [][]byte
	for i := 0; i < 20000; i++ {
		if i%7 == 0 {
			h.request()
		}
		if len(live) > 600 || (i%3 == 0 && len(live) > 0) {
			b := live[len(live)-1]
			live = live[:len(live)-1]
			if err := h.Free(b); err != nil {
				t.Fatal(err)
			}
			continue
		}
		live = append(live, h.Alloc(sizes[i%len(sizes)]))
	}
	for _, b := range live {
		h.Free(b)
	}
	h.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
}

// TestLargeClassRow checks the large row: every large block is its own
// mmap, so none is a fast alloc, and its size is the smallest request it
// serves.
func TestLargeClassRow(t *testing.T) {
	if got, want := ClassSize(LargeClass), MaxPoolSize+1; got != want {
		t.Errorf("ClassSize(LargeClass) = %d, want %d (the smallest large request)", got, want)
	}
	if FastMeasured(LargeClass) {
		t.Error("FastMeasured(LargeClass) = true; a large block is always an mmap")
	}
	for c := range LargeClass {
		if !FastMeasured(c) {
			t.Errorf("FastMeasured(%s) = false, want true", ClassName(c))
		}
	}
	if !statsCompiled {
		return
	}
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	for i := 0; i < 3; i++ {
		h.Free(h.Alloc(100000))
	}
	h.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
	l := s.Classes[LargeClass]
	if l.Size != MaxPoolSize+1 || l.AllocCalls != 3 || l.AllocFast != 0 || l.AllocRefill != 3 {
		t.Errorf("large row %+v size %d, want size %d, 3 allocs, 0 fast, 3 refills (mmaps)", l.Counters, l.Size, MaxPoolSize+1)
	}
}

// TestGatePathOff checks the registry's per-path rule on default settings:
// a cap of 0 (HAKMEM_SS_MAX=0, no cap) switches its fallback trigger off,
// a positive cap enables it, and HAKMEM_TINY_CACHE_CAP shapes refill and
// flush, not the inline fast path, whose code is the same at any cap.
func TestGatePathOff(t *testing.T) {
	off := func(cfg Config, env string) []PathID {
		for _, g := range cfg.Gates() {
			if g.Env == env {
				return g.OffPaths
			}
		}
		t.Fatalf("no gate %s", env)
		return nil
	}
	def := DefaultConfig()
	if got := off(def, "HAKMEM_SS_MAX"); !slices.Equal(got, []PathID{PathTinyFallback}) {
		t.Errorf("HAKMEM_SS_MAX=0 switches off %v, want [tiny_fallback]", got)
	}
	capped := DefaultConfig()
	if err := capped.Set("HAKMEM_SS_MAX", "4"); err != nil {
		t.Fatal(err)
	}
	if got := off(capped, "HAKMEM_SS_MAX"); len(got) != 0 {
		t.Errorf("HAKMEM_SS_MAX=4 switches off %v, want nothing", got)
	}
	if got := off(def, "HAKMEM_TINY_CACHE_CAP"); len(got) != 0 {
		t.Errorf("HAKMEM_TINY_CACHE_CAP=512 switches off %v, want nothing", got)
	}
	if g := Gates.Lookup("HAKMEM_TINY_CACHE_CAP"); !slices.Equal(g.Paths, []PathID{PathTinyRefill, PathTinyFlush}) {
		t.Errorf("HAKMEM_TINY_CACHE_CAP guards %v, want [tiny_refill tiny_flush]", g.Paths)
	}
	if got := off(def, "HAKMEM_POOL_V2_ENABLED"); len(got) != 3 {
		t.Errorf("HAKMEM_POOL_V2_ENABLED=0 switches off %v, want every v2 path", got)
	}
	for _, g := range def.Gates() {
		if g.Off != (len(g.Paths) > 0 && len(g.OffPaths) == len(g.Paths)) {
			t.Errorf("%s: Off %v but switches off %v of %v", g.Env, g.Off, g.OffPaths, g.Paths)
		}
	}
}
