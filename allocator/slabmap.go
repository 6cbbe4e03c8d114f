package allocator

// The slab map is the arena's side table: one slabEntry for every 64 KiB
// slab of the reserved range, in memory mapped beside it. Free's fast path
// reads the one entry of a pointer's slab to learn whether the pointer is a
// tiny block of this heap and how far the slab has handed blocks out, so a
// free costs one load of metadata instead of a walk from the slot table to
// the Superslab to the slab.
//
// The owning heap writes an entry: key when it assigns or releases the
// slab, carvedEnd when it carves blocks, both atomically, because other
// heaps read both (atomically) to validate a free before they queue it.

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

const arenaSlabs = arenaReserve / SlabSize

// slabEntry is one slab's row of the slab map.
type slabEntry struct {
	// key is the owner's heapKey plus the slab's class while the slab
	// serves a class, and 0 while it is idle. A heap that subtracts its own
	// heapKey gets a tiny class (< NumTinyClasses) only for its own tiny
	// slabs: the ownership and tier checks in one compare.
	key atomic.Uint32
	// carvedEnd is the slab offset where the blocks never handed out
	// begin. An offset, not a count, so Free compares a block's offset
	// with it directly. The owner stores it atomically and reads it
	// plainly (its own writes); another heap loads it atomically.
	carvedEnd uint32
}

// heapKey returns the key bits of heap id: the class fills the low byte.
func heapKey(id int) uint32 { return uint32(id+1) << 8 }

// maxHeaps bounds the heaps of one Allocator so every heapKey fits in a key.
const maxHeaps = 1<<24 - 1

// slabMap is the mapped array of entries, indexed by arena offset >> slabShift.
type slabMap = [arenaSlabs]slabEntry

// mapSlabMap maps a zeroed slab map. Pages are backed only when written,
// so a page of entries costs memory once one of its 512 slabs (32 MiB of
// arena) is in use.
func mapSlabMap() (*slabMap, error) {
	p, err := unix.MmapPtr(-1, 0, nil, unsafe.Sizeof(slabMap{}), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, err
	}
	return (*slabMap)(p), nil
}

func unmapSlabMap(m *slabMap) error {
	return unix.MunmapPtr(unsafe.Pointer(m), unsafe.Sizeof(*m))
}
