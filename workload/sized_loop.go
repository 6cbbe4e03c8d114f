package workload

// sizedLoop is random_mixed's slot loop with another size draw: slot
// r % ws, free it if full, else allocate size(r) bytes and write byte(r).
// mid_pool and large use it; random_mixed keeps its own loop, the reference
// one, with the size inline. Only its worker touches it.

import "github.com/haktop/haktop/allocator"

type sizedLoop struct {
	seed  uint32
	slots [][]byte
	size  func(r uint32) int
	every int64 // cycles between looks at the state word
}

func (l *sizedLoop) chunkLen() int64 { return l.every }

func (l *sizedLoop) chunk(h *allocator.Heap, n int64) (allocs int64) {
	seed, slots, ws := l.seed, l.slots, uint32(len(l.slots))
	for ; n > 0; n-- {
		seed = xorshift32(seed)
		r := seed
		idx := r % ws
		if s := slots[idx]; s != nil {
			h.Free(s)
			slots[idx] = nil
		} else {
			p := h.Alloc(l.size(r))
			p[0] = byte(r)
			slots[idx] = p
			allocs++
		}
	}
	l.seed = seed
	return allocs
}

func (l *sizedLoop) drain(h *allocator.Heap) int64 { return drainSlots(h, l.slots) }
