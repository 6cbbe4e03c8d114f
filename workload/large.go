package workload

// largeLoop is random_mixed's slot loop over the large tier: every block is
// over 64 KiB, so every alloc and free is an mmap or munmap. Those cost
// microseconds, so it looks at the state word every 256 cycles rather than
// every 4096, keeping Pause and Stop prompt. Only its worker touches it.

import "github.com/haktop/haktop/allocator"

type largeLoop struct {
	seed  uint32
	slots [][]byte
}

func newLargeLoop(s Spec, seed uint32) *largeLoop {
	return &largeLoop{seed: seed, slots: make([][]byte, s.WS)}
}

func (l *largeLoop) chunkLen() int64 { return 256 }

// largeSize maps r's high 24 bits onto [LargeMin, LargeMax].
func largeSize(r uint32) int {
	return LargeMin + int(uint64(r>>8)*(LargeMax-LargeMin+1)>>24)
}

func (l *largeLoop) chunk(h *allocator.Heap, n int64) (allocs int64) {
	seed, slots, ws := l.seed, l.slots, uint32(len(l.slots))
	for ; n > 0; n-- {
		seed = xorshift32(seed)
		r := seed
		idx := r % ws
		if s := slots[idx]; s != nil {
			h.Free(s)
			slots[idx] = nil
		} else {
			p := h.Alloc(largeSize(r))
			p[0] = byte(r)
			slots[idx] = p
			allocs++
		}
	}
	l.seed = seed
	return allocs
}

func (l *largeLoop) drain(h *allocator.Heap) int64 { return drainSlots(h, l.slots) }
