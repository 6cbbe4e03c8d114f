package sampler

// The cost of sampling, two ways.
//
// BenchmarkSamplingOverhead runs random_mixed (the loop of
// ../shared/bench/random_mixed.c) on one heap in paired rounds: 2^24 cycles
// with no sampler, then 2^24 with a sampler ticking at 10 Hz into a sink
// (the order alternates per round, so drift in machine load cancels). It
// reports sampled/unsampled ops/s as "ratio": the brief's goal is >= 0.98.
// Run it with a fixed round count:
//
//	go test -run XXX -bench SamplingOverhead -benchtime 20x ./sampler/
//
// BenchmarkSampleNow is what one sample costs the sampler's goroutine.

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/embedded"
)

// randomMixed is the random_mixed.c loop over one heap, publishing its
// cycle count every 4096 cycles as workload's driver does.
type randomMixed struct {
	h     *allocator.Heap
	slots [][]byte
	seed  uint32
	ops   atomic.Int64
}

func (m *randomMixed) run(cycles int) {
	ws := uint32(len(m.slots))
	seed := m.seed
	done := m.ops.Load()
	for i := 0; i < cycles; i++ {
		x := seed
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		seed = x
		idx := x % ws
		if s := m.slots[idx]; s != nil {
			m.h.Free(s)
			m.slots[idx] = nil
		} else {
			p := m.h.Alloc(int(16 + x&0x3FF))
			p[0] = byte(x)
			m.slots[idx] = p
		}
		if i&4095 == 4095 {
			m.ops.Store(done + int64(i+1))
		}
	}
	m.seed = seed
	m.ops.Store(done + int64(cycles))
}

func BenchmarkSamplingOverhead(b *testing.B) {
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	m := &randomMixed{h: a.NewHeap(), slots: make([][]byte, 8192), seed: 1234567}
	const cycles = 1 << 24
	m.run(cycles) // warm up: reach the steady working set
	var samples int
	s, err := New(embedded.Schema(a.Config()), embedded.Source(a), m.ops.Load, Options{Interval: 100 * time.Millisecond, InProcess: true})
	if err != nil {
		b.Fatal(err)
	}
	s.AddSink(func(Sample) { samples++ })
	timed := func(sampled bool) time.Duration {
		if !sampled {
			t0 := time.Now()
			m.run(cycles)
			return time.Since(t0)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		t0 := time.Now()
		m.run(cycles)
		d := time.Since(t0)
		cancel()
		<-done
		return d
	}
	var off, on time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			off += timed(false)
			on += timed(true)
		} else {
			on += timed(true)
			off += timed(false)
		}
	}
	b.StopTimer()
	n := float64(b.N) * cycles
	b.ReportMetric(off.Seconds()/on.Seconds(), "ratio")
	b.ReportMetric(n/off.Seconds(), "ops/s-off")
	b.ReportMetric(n/on.Seconds(), "ops/s-10Hz")
	b.ReportMetric(float64(samples), "samples")
	for _, p := range m.slots {
		if p != nil {
			m.h.Free(p)
		}
	}
}

func BenchmarkSampleNow(b *testing.B) {
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	for i := 0; i < 4; i++ {
		a.NewHeap()
	}
	s, err := New(embedded.Schema(a.Config()), embedded.Source(a), nil, Options{InProcess: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.SampleNow()
	}
}
