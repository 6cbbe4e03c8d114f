package allocator

// The arena owns the address range every superslab lives in. New reserves it
// once (PROT_NONE, no backing), superslabs are mapped into 2 MiB slots of it
// and, in lean mode, unmapped again. Because every small block lies inside
// it, finding a pointer's superslab is a subtraction, a bounds check and one
// atomic load from the slot table: O(1), and it never touches memory the
// allocator does not own. The table is written under mu and read lock-free.

import (
	"errors"
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
)

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
	mapped    int
	peak      int
	maps      uint64
	unmaps    uint64
	max       int // HAKMEM_SS_MAX, 0 for none
}

func newArena(max int) (*arena, error) {
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

func (ar *arena) close() error {
	for i := range ar.table {
		ar.table[i].Store(nil)
	}
	err := unix.MunmapPtr(ar.raw, ar.rawSz)
	if e := unmapSlabMap(ar.slabs); err == nil {
		err = e
	}
	return err
}

type atomicSuperslab = atomic.Pointer[Superslab]
