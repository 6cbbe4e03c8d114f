package allocator

import (
	"errors"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestCloseCachesSmallArenas checks what Close keeps for the next New: the
// reservation and up to warmMax mapped superslabs, reset so nothing of the
// closed Allocator shows through; and that a large arena goes back to the OS.
func TestCloseCachesSmallArenas(t *testing.T) {
	drainArenaCache(t)
	a, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	h := a.NewHeap()
	stale := h.Alloc(64)
	pool := h.Alloc(5000)
	copy(stale[8:], "warm!")
	ar := a.ar
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := newTestAllocator(t, nil)
	if b.ar != ar {
		t.Fatal("New did not reuse the closed Allocator's arena")
	}
	if m := b.Snapshot().Memory; m != (MemoryStats{}) {
		t.Fatalf("reused arena reports %+v, want nothing mapped", m)
	}
	hb := b.NewHeap()
	// The closed Allocator's blocks are nobody's now.
	for _, p := range [][]byte{stale, pool} {
		var fe *FreeError
		if err := hb.Free(p); !errors.As(err, &fe) || fe.Kind != Unknown {
			t.Fatalf("free of a closed Allocator's block: %v, want an Unknown error", err)
		}
	}
	// The first superslab is the warm one, not mapped afresh: the old
	// bytes are still there.
	x := hb.Alloc(64)
	if unsafe.SliceData(x) != unsafe.SliceData(stale) || string(stale[8:13]) != "warm!" {
		t.Errorf("the new Allocator's first block is not the warm superslab's (%q)", stale[8:13])
	}
	if err := hb.Free(x); err != nil {
		t.Fatal(err)
	}
	if s := b.Snapshot(); s.Memory.SuperslabsMapped != 1 || s.Memory.SuperslabMaps != 1 {
		t.Fatalf("memory %+v, want one superslab mapped", s.Memory)
	}

	// Past warmMax superslabs, Close unmaps the whole arena.
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	hc := c.NewHeap()
	for range warmMax + 1 {
		for range slabsPerSS {
			hc.Alloc(MaxPoolSize) // a 64 KiB page each
		}
	}
	if m := c.Snapshot().Memory; m.SuperslabsMapped <= warmMax {
		t.Fatalf("only %d superslabs mapped", m.SuperslabsMapped)
	}
	big := c.ar
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	arenaCache.mu.Lock()
	defer arenaCache.mu.Unlock()
	for _, cached := range arenaCache.free {
		if cached == big {
			t.Fatal("an arena with more than warmMax superslabs was cached")
		}
	}
}

// drainArenaCache empties the cache, so a test sees its own arenas.
func drainArenaCache(t *testing.T) {
	t.Helper()
	arenaCache.mu.Lock()
	free := arenaCache.free
	arenaCache.free = nil
	arenaCache.mu.Unlock()
	for _, ar := range free {
		if err := unix.MunmapPtr(ar.raw, ar.rawSz); err != nil {
			t.Fatal(err)
		}
		if err := unmapSlabMap(ar.slabs); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClosedArenaKeepsOneWarmRun checks that Close keeps warm only the run
// of superslabs from slot 0, so a cached arena is one mapping however lean
// mode left it: here slot 1 was unmapped, so slot 2 is dropped too.
func TestClosedArenaKeepsOneWarmRun(t *testing.T) {
	drainArenaCache(t)
	a, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	h := a.NewHeap()
	var pages [3][][]byte // a superslab's worth of 64 KiB pages each
	for i := range pages {
		for range slabsPerSS {
			pages[i] = append(pages[i], h.Alloc(MaxPoolSize))
		}
	}
	a.ar.mu.Lock()
	mid := a.ar.table[1].Load()
	a.ar.mu.Unlock()
	for _, p := range pages[1] {
		if err := h.Free(p); err != nil {
			t.Fatal(err)
		}
	}
	h.Flush()
	a.ar.unmapSuperslab(mid) // what lean mode does with an empty superslab
	ar := a.ar
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ar.warm, []int{0}) || !slices.Contains(ar.freeSlots, 2) {
		t.Fatalf("warm %v, free %v: want warm [0] and slot 2 free", ar.warm, ar.freeSlots)
	}
}
