package workload

// tinyHot is fixed-size LIFO churn: allocate a batch of hotBatch blocks of
// one size, then free them newest first, over and over, so every call hits
// the same class's cache. It owns its stack; only its worker touches it.

import "github.com/haktop/haktop/allocator"

// hotBatch is how many blocks tiny_hot holds at its peak.
const hotBatch = 32

type tinyHot struct {
	size    int
	depth   int
	filling bool
	stack   [hotBatch][]byte
}

func newTinyHot(s Spec) *tinyHot { return &tinyHot{size: s.Size, filling: true} }

func (t *tinyHot) chunkLen() int64 { return 4096 }

func (t *tinyHot) chunk(h *allocator.Heap, n int64) (allocs int64) {
	size, d, filling := t.size, t.depth, t.filling
	for ; n > 0; n-- {
		if filling {
			p := h.Alloc(size)
			p[0] = byte(d)
			t.stack[d] = p
			d++
			allocs++
			filling = d < hotBatch
		} else {
			d--
			h.Free(t.stack[d])
			t.stack[d] = nil
			filling = d == 0
		}
	}
	t.depth, t.filling = d, filling
	return allocs
}

func (t *tinyHot) drain(h *allocator.Heap) int64 {
	n := drainSlots(h, t.stack[:t.depth])
	t.depth, t.filling = 0, true
	return n
}
