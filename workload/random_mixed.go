package workload

// randomMixed is ../shared/bench/random_mixed.c step for step: xorshift32,
// slot r % ws, free the slot if full, else allocate 16 + (r & 0x3FF) bytes
// and write byte(r) to the first byte. It owns its slots; only its worker
// touches them.

import "github.com/haktop/haktop/allocator"

// xorshift32 returns the generator state after x, the reference's xs().
func xorshift32(x uint32) uint32 {
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	return x
}

type randomMixed struct {
	seed     uint32
	slots    [][]byte
	clamp    bool
	min, max uint32 // size clamps, when clamp is set
}

func newRandomMixed(s Spec, seed uint32) *randomMixed {
	m := &randomMixed{seed: seed, slots: make([][]byte, s.WS), max: ^uint32(0)}
	if s.MinSize > 0 {
		m.min, m.clamp = uint32(s.MinSize), true
	}
	if s.MaxSize > 0 {
		m.max, m.clamp = uint32(s.MaxSize), true
	}
	return m
}

func (m *randomMixed) chunkLen() int64 { return 4096 }

func (m *randomMixed) chunk(h *allocator.Heap, n int64) int64 {
	if m.clamp {
		return m.chunkClamped(h, n)
	}
	return m.chunkPlain(h, n)
}

// chunkPlain is the reference loop. Like random_mixed.c, whose ws is a
// run-time value, it takes r % ws with a division even when ws is a power
// of two, so its ops/s compares with the C peers and with
// allocator.BenchmarkRandomMixed.
func (m *randomMixed) chunkPlain(h *allocator.Heap, n int64) (allocs int64) {
	seed, slots, ws := m.seed, m.slots, uint32(len(m.slots))
	for ; n > 0; n-- {
		seed = xorshift32(seed)
		r := seed
		idx := r % ws
		if s := slots[idx]; s != nil {
			h.Free(s)
			slots[idx] = nil
		} else {
			p := h.Alloc(int(16 + r&0x3FF))
			p[0] = byte(r)
			slots[idx] = p
			allocs++
		}
	}
	m.seed = seed
	return allocs
}

// chunkClamped is chunkPlain with the sizes clamped to [min, max].
func (m *randomMixed) chunkClamped(h *allocator.Heap, n int64) (allocs int64) {
	seed, slots, ws, lo, hi := m.seed, m.slots, uint32(len(m.slots)), m.min, m.max
	for ; n > 0; n-- {
		seed = xorshift32(seed)
		r := seed
		idx := r % ws
		if s := slots[idx]; s != nil {
			h.Free(s)
			slots[idx] = nil
		} else {
			p := h.Alloc(int(min(max(16+r&0x3FF, lo), hi)))
			p[0] = byte(r)
			slots[idx] = p
			allocs++
		}
	}
	m.seed = seed
	return allocs
}

// drain frees every full slot, as the reference does after its loop.
func (m *randomMixed) drain(h *allocator.Heap) int64 {
	return drainSlots(h, m.slots)
}

// drainSlots frees and clears every non-nil slot and returns how many.
func drainSlots(h *allocator.Heap, slots [][]byte) (n int64) {
	for i, s := range slots {
		if s != nil {
			h.Free(s)
			slots[i] = nil
			n++
		}
	}
	return n
}
