package workload

// The driver's cost, read as a ratio from one run: the same random_mixed
// cycles through Start/Wait and through a hand-written loop on a heap of
// the same allocator configuration (allocator.BenchmarkRandomMixed's loop).

import (
	"context"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
)

// benchWS is a variable, as ws is in random_mixed.c and in the driver, so
// both loops divide.
var benchWS uint32 = 8192

// handLoop is random_mixed.c written out inline, with nothing around it.
func handLoop(h *allocator.Heap, cycles int, seed uint32) {
	slots := make([][]byte, benchWS)
	for i := 0; i < cycles; i++ {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		r := seed
		idx := r % benchWS
		if s := slots[idx]; s != nil {
			h.Free(s)
			slots[idx] = nil
		} else {
			p := h.Alloc(int(16 + r&0x3FF))
			p[0] = byte(r)
			slots[idx] = p
		}
	}
	for i, s := range slots {
		if s != nil {
			h.Free(s)
			slots[i] = nil
		}
	}
}

// BenchmarkRandomMixed reports ns/op for the hand-written loop and for the
// driver, and in "ratio" both back to back on fresh allocators, reported
// as the driver/loop metric (1.00 means no driver overhead).
func BenchmarkRandomMixed(b *testing.B) {
	b.Run("loop", func(b *testing.B) {
		h := newAllocator(b).NewHeap()
		b.ResetTimer()
		handLoop(h, b.N, DefaultSeed)
	})
	b.Run("driver", func(b *testing.B) {
		a := newAllocator(b)
		b.ResetTimer()
		runDriver(b, a, b.N)
	})
	b.Run("ratio", func(b *testing.B) {
		h := newAllocator(b).NewHeap()
		t0 := time.Now()
		handLoop(h, b.N, DefaultSeed)
		loop := time.Since(t0)
		driver := runDriver(b, newAllocator(b), b.N)
		b.ReportMetric(float64(driver)/float64(loop), "driver/loop")
	})
}

// runDriver runs cycles of random_mixed through Start and returns the loop
// time the Result reports, which is what haktop bench divides by.
func runDriver(b *testing.B, a *allocator.Allocator, cycles int) time.Duration {
	s := Spec{Name: RandomMixed, Workers: 1, Cycles: int64(cycles), WS: int(benchWS), Seed: DefaultSeed}
	r, err := Start(context.Background(), a, s)
	if err != nil {
		b.Fatal(err)
	}
	return r.Wait().Elapsed
}
