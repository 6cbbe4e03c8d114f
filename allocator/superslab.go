package allocator

// A Superslab is 2 MiB of mapped memory owned by the heap that mapped it,
// cut into 32 slabs of 64 KiB. A slab serves one class at a time: a tiny
// class, or a pool class (then it is a pool "page", v1 or v2). Only the
// owning heap changes a slab; other heaps read its class (atomically, from
// the slab map) to validate a pointer before they queue it to the owner.

import (
	"math/bits"
	"sync/atomic"
	"unsafe"
)

// Superslab is one 2 MiB mapping inside the arena.
type Superslab struct {
	base  unsafe.Pointer
	slot  int
	owner *Heap // immutable
	slabs [slabsPerSS]slab
	idle  int // slabs serving no class; owner-only
}

// newSuperslab describes the superslab mapped at base; ents are its slabs'
// rows of the slab map.
func newSuperslab(base unsafe.Pointer, slot int, owner *Heap, ents []slabEntry) *Superslab {
	ss := &Superslab{base: base, slot: slot, owner: owner, idle: slabsPerSS}
	for i := range ss.slabs {
		sl := &ss.slabs[i]
		sl.ss = ss
		sl.base = unsafe.Add(base, i<<slabShift)
		sl.ent = &ents[i]
		sl.ent.key.Store(0)
		sl.ent.carvedEnd = 0
		sl.availIdx = -1
	}
	return ss
}

// slab is a 64 KiB run of equal-size blocks. Blocks below ent.carvedEnd
// have been handed out at least once; a set bit in free marks one that is back.
type slab struct {
	ent  *slabEntry // its row of the slab map: class and carvedEnd
	ss   *Superslab
	base unsafe.Pointer

	// owner-only
	size     uint32 // block size
	shift    uint8  // log2(size), or 0 when size is not a power of two
	v2       bool   // a hotbox v2 page
	nblocks  uint32
	nfree    uint32 // set bits in free
	free     []uint64
	hint     int // first word of free that may have a set bit
	availIdx int // position in the heap's avail list, or -1
}

// index returns the block index of slab offset off, and whether off is a
// block's first byte.
func (sl *slab) index(off uintptr) (uint32, bool) {
	if sl.shift != 0 {
		return uint32(off >> sl.shift), off&(uintptr(1)<<sl.shift-1) == 0
	}
	return uint32(off / uintptr(sl.size)), off%uintptr(sl.size) == 0
}

func (sl *slab) assign(class int, v2 bool) {
	sl.size = uint32(classSize[class])
	sl.shift = classShift[class]
	sl.v2 = v2
	sl.nblocks = SlabSize / sl.size
	atomic.StoreUint32(&sl.ent.carvedEnd, 0)
	sl.nfree, sl.hint = 0, 0
	words := int(sl.nblocks+63) / 64
	if cap(sl.free) >= words {
		sl.free = sl.free[:words]
		clear(sl.free)
	} else {
		sl.free = make([]uint64, words)
	}
	sl.ent.key.Store(sl.ss.owner.key | uint32(class))
}

// class returns the class the slab serves, or -1 while it is idle. Any
// heap may call it.
func (sl *slab) class() int {
	k := sl.ent.key.Load()
	if k == 0 {
		return -1
	}
	return int(k & 0xff)
}

// release marks the slab idle.
func (sl *slab) release() { sl.ent.key.Store(0) }

// take returns a free or never-used block, or nil when the slab is full.
func (sl *slab) take() unsafe.Pointer {
	if sl.nfree > 0 {
		for i := sl.hint; i < len(sl.free); i++ {
			if w := sl.free[i]; w != 0 {
				b := bits.TrailingZeros64(w)
				sl.free[i] = w &^ (1 << b)
				sl.nfree--
				sl.hint = i
				return unsafe.Add(sl.base, uintptr(i*64+b)*uintptr(sl.size))
			}
		}
	}
	if end := sl.ent.carvedEnd; end < sl.nblocks*sl.size {
		atomic.StoreUint32(&sl.ent.carvedEnd, end+sl.size)
		return unsafe.Add(sl.base, end)
	}
	return nil
}

// put marks block idx free again.
func (sl *slab) put(idx uint32) {
	w := int(idx / 64)
	sl.free[w] |= 1 << (idx % 64)
	sl.nfree++
	sl.hint = min(sl.hint, w)
}

// isFree reports whether block idx is in the free bitmap.
func (sl *slab) isFree(idx uint32) bool {
	return sl.free[idx/64]&(1<<(idx%64)) != 0
}

// empty reports whether every block ever handed out is back.
func (sl *slab) empty() bool { return sl.nfree*sl.size == sl.ent.carvedEnd }

func (sl *slab) full() bool { return sl.nfree == 0 && sl.ent.carvedEnd == sl.nblocks*sl.size }
