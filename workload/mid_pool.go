package workload

// midPool is random_mixed's slot loop over the pool tier: slot r % ws,
// free if full, else allocate a size drawn uniformly from 2 KiB to 64 KiB
// from r's high bits. It owns its slots; only its worker touches them.

import "github.com/haktop/haktop/allocator"

type midPool struct {
	seed  uint32
	slots [][]byte
}

func newMidPool(s Spec, seed uint32) *midPool {
	return &midPool{seed: seed, slots: make([][]byte, s.WS)}
}

func (m *midPool) chunkLen() int64 { return 4096 }

// midSize maps r's high 16 bits onto [MidPoolMin, MidPoolMax].
func midSize(r uint32) int {
	return MidPoolMin + int(uint64(r>>16)*(MidPoolMax-MidPoolMin+1)>>16)
}

func (m *midPool) chunk(h *allocator.Heap, n int64) (allocs int64) {
	seed, slots, ws := m.seed, m.slots, uint32(len(m.slots))
	for ; n > 0; n-- {
		seed = xorshift32(seed)
		r := seed
		idx := r % ws
		if s := slots[idx]; s != nil {
			h.Free(s)
			slots[idx] = nil
		} else {
			p := h.Alloc(midSize(r))
			p[0] = byte(r)
			slots[idx] = p
			allocs++
		}
	}
	m.seed = seed
	return allocs
}

func (m *midPool) drain(h *allocator.Heap) int64 { return drainSlots(h, m.slots) }
