package allocator

// Benchmarks, each against Go's own allocation (make) and a per-class
// sync.Pool in the same file so a ratio can be read from one run. The
// counter cost is read by running the same benchmarks with -tags
// haktop_nostats (see README: "Allocator benchmarks").

import (
	"sync"
	"testing"
)

// xorshift32 is the reference generator of ../shared/bench/random_mixed.c.
func xorshift32(s *uint32) uint32 {
	x := *s
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	*s = x
	return x
}

const (
	rmWS   = 8192
	rmSeed = 1234567
)

// BenchmarkRandomMixed runs the random_mixed.c loop: b.N cycles, one op each.
func BenchmarkRandomMixed(b *testing.B) {
	b.Run("haktop", func(b *testing.B) {
		a, h := benchHeap(b)
		slots := make([][]byte, rmWS)
		seed := uint32(rmSeed)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r := xorshift32(&seed)
			idx := r % rmWS
			if s := slots[idx]; s != nil {
				h.Free(s)
				slots[idx] = nil
			} else {
				p := h.Alloc(int(16 + r&0x3FF))
				p[0] = byte(r)
				slots[idx] = p
			}
		}
		b.StopTimer()
		for i, s := range slots {
			if s != nil {
				h.Free(s)
				slots[i] = nil
			}
		}
		_ = a
	})
	b.Run("make", func(b *testing.B) {
		slots := make([][]byte, rmWS)
		seed := uint32(rmSeed)
		for i := 0; i < b.N; i++ {
			r := xorshift32(&seed)
			idx := r % rmWS
			if slots[idx] != nil {
				slots[idx] = nil
			} else {
				p := make([]byte, 16+r&0x3FF)
				p[0] = byte(r)
				slots[idx] = p
			}
		}
	})
	b.Run("syncpool", func(b *testing.B) {
		var pools classPools
		slots := make([][]byte, rmWS)
		seed := uint32(rmSeed)
		for i := 0; i < b.N; i++ {
			r := xorshift32(&seed)
			idx := r % rmWS
			if s := slots[idx]; s != nil {
				pools.put(s)
				slots[idx] = nil
			} else {
				p := pools.get(int(16 + r&0x3FF))
				p[0] = byte(r)
				slots[idx] = p
			}
		}
	})
}

func benchHeap(b *testing.B) (*Allocator, *Heap) {
	b.Helper()
	a, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a, a.NewHeap()
}

// classPools is the sync.Pool baseline: one pool per size class, holding
// *[]byte so Put does not allocate.
type classPools [NumTinyClasses + NumPoolClasses]sync.Pool

func classOf(n int) int {
	if n <= MaxTinySize {
		return int(tinyClassOf[(n+7)>>tinyStepShift])
	}
	return NumTinyClasses + int(poolClassOf[(n+1023)>>poolStepShift])
}

func (cp *classPools) get(n int) []byte {
	c := classOf(n)
	if v := cp[c].Get(); v != nil {
		return (*v.(*[]byte))[:n]
	}
	return make([]byte, n, classSize[c])
}

func (cp *classPools) put(b []byte) {
	b = b[:cap(b)]
	cp[classOf(cap(b))].Put(&b)
}
