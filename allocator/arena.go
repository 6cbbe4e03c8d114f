package allocator

// The arena owns the address range every superslab lives in. New reserves it
// once (PROT_NONE, no backing), superslabs are mapped into 2 MiB slots of it
// and, in lean mode, unmapped again. Because every small block lies inside
// it, finding a pointer's superslab is a subtraction, a bounds check and one
// atomic load from the slot table: O(1), and it never touches memory the
// allocator does not own. The table is written under mu and read lock-free.
//
// Close does not give a small arena back to the OS: it resets it (slot
// table, slab map, counters) and keeps it, with up to warmMax superslabs
// still mapped, for the next New (arenaCache). So building and closing an
// Allocator costs neither the reservations and the slot table's allocation
// nor, for its first superslabs, an mmap and fresh page faults: what the
// fuzzer, the tests and every gate toggle of the live view do over and
// over. Stale memory is harmless: Alloc clears a block's first word, and a
// free tag made with the old Allocator's secret matches no new one.

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	superslabShift = 21
	SuperslabSize  = 1 << superslabShift // 2 MiB
	slabShift      = 16
	SlabSize       = 1 << slabShift // 64 KiB: a tiny slab or a pool page
	slabsPerSS     = SuperslabSize / SlabSize
	slabMask       = SlabSize - 1

	// arenaReserve is the address space reserved per Allocator: 64 GiB of
	// virtual range, 32768 superslab slots, none of it backed until mapped.
	arenaReserve = 64 << 30
	arenaSlots   = arenaReserve / SuperslabSize

	// warmMax is how many mapped superslabs a closed arena keeps for the
	// next Allocator (32 MiB, backed only where touched); an arena that
	// had more is unmapped whole. arenaCacheMax is how many closed arenas
	// are kept.
	warmMax       = 16
	arenaCacheMax = 2
)

// arenaCache holds closed arenas for New to reuse.
var arenaCache struct {
	mu   sync.Mutex
	free []*arena
}

var errArenaFull = errors.New("superslab limit reached")

type arena struct {
	base  unsafe.Pointer // SuperslabSize-aligned
	raw   unsafe.Pointer // what mmap returned, for the final munmap
	rawSz uintptr
	table *[arenaSlots]atomicSuperslab // by slot; an array, so an in-range offset needs no bounds check
	slabs *slabMap

	mu        sync.Mutex
	next      int   // slots below next have been used at least once
	freeSlots []int // unmapped slots below next
	warm      []int // mapped slots serving no superslab, left by a closed Allocator
	mapped    int
	peak      int
	maps      uint64
	unmaps    uint64
	max       int // HAKMEM_SS_MAX, 0 for none
}

// newArena returns a closed Allocator's arena if one is cached, else a new one.
func newArena(max int) (*arena, error) {
	arenaCache.mu.Lock()
	if n := len(arenaCache.free); n > 0 {
		ar := arenaCache.free[n-1]
		arenaCache.free = arenaCache.free[:n-1]
		arenaCache.mu.Unlock()
		ar.max = max
		return ar, nil
	}
	arenaCache.mu.Unlock()
	// Over-reserve by one superslab so the usable range can be aligned.
	size := uintptr(arenaReserve + SuperslabSize)
	raw, err := unix.MmapPtr(-1, 0, nil, size, unix.PROT_NONE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, err
	}
	slabs, err := mapSlabMap()
	if err != nil {
		unix.MunmapPtr(raw, size)
		return nil, err
	}
	pad := (SuperslabSize - uintptr(raw)&(SuperslabSize-1)) & (SuperslabSize - 1)
	return &arena{
		base:  unsafe.Add(raw, pad),
		raw:   raw,
		rawSz: size,
		table: new([arenaSlots]atomicSuperslab),
		slabs: slabs,
		max:   max,
	}, nil
}

// lookup returns the superslab holding p and p's offset from the arena
// base, or nil when p is outside the arena or in an unmapped slot.
func (ar *arena) lookup(p unsafe.Pointer) (*Superslab, uintptr, bool) {
	off := uintptr(p) - uintptr(ar.base)
	if off >= arenaReserve {
		return nil, 0, false
	}
	return ar.table[off>>superslabShift].Load(), off, true
}

// mapSuperslab maps a fresh 2 MiB superslab for owner.
//
//go:noinline
func (ar *arena) mapSuperslab(owner *Heap) (*Superslab, error) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	if ar.max > 0 && ar.mapped >= ar.max {
		return nil, errArenaFull
	}
	var slot int
	if n := len(ar.warm); n > 0 {
		slot = ar.warm[n-1]
		ar.warm = ar.warm[:n-1]
	} else {
		if n := len(ar.freeSlots); n > 0 {
			slot = ar.freeSlots[n-1]
			ar.freeSlots = ar.freeSlots[:n-1]
		} else if ar.next < arenaSlots {
			slot = ar.next
			ar.next++
		} else {
			return nil, errArenaFull
		}
		addr := unsafe.Add(ar.base, slot<<superslabShift)
		if _, err := unix.MmapPtr(-1, 0, addr, SuperslabSize, unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED); err != nil {
			ar.freeSlots = append(ar.freeSlots, slot)
			return nil, err
		}
	}
	addr := unsafe.Add(ar.base, slot<<superslabShift)
	ss := newSuperslab(addr, slot, owner, ar.slabs[slot*slabsPerSS:(slot+1)*slabsPerSS])
	ar.table[slot].Store(ss)
	ar.mapped++
	ar.maps++
	ar.peak = max(ar.peak, ar.mapped)
	return ss, nil
}

// unmapSuperslab gives an empty superslab's memory back to the OS and
// keeps its slot reserved for reuse.
//
//go:noinline
func (ar *arena) unmapSuperslab(ss *Superslab) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	ar.table[ss.slot].Store(nil)
	// Mapping PROT_NONE over the range drops its pages and keeps the
	// reservation, so no other mapping can land inside the arena.
	if _, err := unix.MmapPtr(-1, 0, ss.base, SuperslabSize, unix.PROT_NONE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED|unix.MAP_NORESERVE); err != nil {
		// The pages stay mapped; the slot is retired rather than reused.
		return
	}
	ar.freeSlots = append(ar.freeSlots, ss.slot)
	ar.mapped--
	ar.unmaps++
}

// close ends the arena's use by its Allocator, whose heaps have stopped.
// A small arena is reset and cached for the next New; a large one, or one
// the cache has no room for, goes back to the OS.
func (ar *arena) close() error {
	ar.mu.Lock()
	// Only slots below next were ever mapped.
	var mapped []int
	for slot := range ar.table[:ar.next] {
		if ar.table[slot].Load() != nil {
			ar.table[slot].Store(nil)
			mapped = append(mapped, slot)
		}
	}
	if len(ar.warm)+len(mapped) <= warmMax {
		// Keys at 0, so no stale pointer passes Free's fast path; a
		// superslab mapped later sets its own entries (newSuperslab).
		clear(ar.slabs[:ar.next*slabsPerSS])
		ar.keepWarmPrefix(append(mapped, ar.warm...))
		ar.mapped, ar.peak, ar.maps, ar.unmaps = 0, 0, 0, 0
		ar.mu.Unlock()
		arenaCache.mu.Lock()
		if len(arenaCache.free) < arenaCacheMax {
			arenaCache.free = append(arenaCache.free, ar)
			arenaCache.mu.Unlock()
			return nil
		}
		arenaCache.mu.Unlock()
	} else {
		ar.mu.Unlock()
	}
	err := unix.MunmapPtr(ar.raw, ar.rawSz)
	if e := unmapSlabMap(ar.slabs); err == nil {
		err = e
	}
	return err
}

// keepWarmPrefix keeps warm, of the read-write slots rw, the run from slot
// 0, and drops the pages of the rest: a cached arena is then one read-write
// mapping and its reservation, however lean mode left holes in it, so
// reusing arenas never fragments the process's mappings. mapSuperslab
// takes warm slots lowest first, so the run stays a run. ar.mu is held.
func (ar *arena) keepWarmPrefix(rw []int) {
	slices.Sort(rw)
	k := 0
	for k < len(rw) && rw[k] == k {
		k++
	}
	for _, slot := range rw[k:] {
		if _, err := unix.MmapPtr(-1, 0, unsafe.Add(ar.base, slot<<superslabShift), SuperslabSize, unix.PROT_NONE,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED|unix.MAP_NORESERVE); err == nil {
			ar.freeSlots = append(ar.freeSlots, slot)
		} // else the pages stay mapped and the slot is retired, as in unmapSuperslab
	}
	ar.warm = ar.warm[:0]
	for slot := k - 1; slot >= 0; slot-- { // popped from the end: lowest first
		ar.warm = append(ar.warm, slot)
	}
}

type atomicSuperslab = atomic.Pointer[Superslab]
