package allocator

// The large tier: every block over 64 KiB, and small blocks whose refill
// failed, is its own mmap outside the arena. The map from address to block
// is shared by all heaps under largeMu; a large alloc or free is a system
// call anyway, so the lock is not what it costs.

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxLarge bounds a single request so size arithmetic cannot overflow.
const maxLarge = 1 << 40

var pageSize = uintptr(os.Getpagesize())

type largeBlock struct {
	ptr   unsafe.Pointer
	size  uintptr
	class int // LargeClass, or the small class whose refill fell back here
}

// largeAlloc maps a block of n bytes counted on class's row, or returns nil.
//
//go:noinline
func (a *Allocator) largeAlloc(h *Heap, n, class int) []byte {
	if n > maxLarge {
		return nil
	}
	size := (uintptr(n) + pageSize - 1) &^ (pageSize - 1)
	p, err := unix.MmapPtr(-1, 0, nil, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	a.largeMu.Lock()
	a.large[uintptr(p)] = largeBlock{ptr: p, size: size, class: class}
	a.largeBytes += uint64(size)
	a.largeMu.Unlock()
	if statsCompiled {
		h.st.path[PathLargeMap]++
	}
	return unsafe.Slice((*byte)(p), size)[:n]
}

// largeFree unmaps the large block starting at p, or reports p invalid.
//
//go:noinline
func (a *Allocator) largeFree(h *Heap, p unsafe.Pointer) error {
	a.largeMu.Lock()
	blk, ok := a.large[uintptr(p)]
	if ok {
		delete(a.large, uintptr(p))
		a.largeBytes -= uint64(blk.size)
	}
	var inside uintptr
	if !ok {
		for base, b := range a.large {
			if uintptr(p) > base && uintptr(p) < base+b.size {
				inside = base
				break
			}
		}
	}
	a.largeMu.Unlock()
	if !ok {
		if inside != 0 {
			return h.invalidFree(Misaligned, p, fmt.Sprintf("%d bytes into a large block", uintptr(p)-inside))
		}
		return h.invalidFree(OutOfRange, p, "not a block of this allocator (Go memory, another allocator's, or already unmapped)")
	}
	if err := unix.MunmapPtr(blk.ptr, blk.size); err != nil {
		return fmt.Errorf("allocator: munmap of large block %#x: %w", uintptr(p), err)
	}
	if statsCompiled {
		h.st.path[PathLargeUnmap]++
		c := &h.st.class[blk.class]
		c.FreeCalls++
		if blk.class == LargeClass {
			c.FreeFast++
		} else {
			c.FreeFallback++
		}
	}
	return nil
}
