package allocator

// An Allocator owns the arena (and through it every superslab), the large
// blocks, and the list of heaps. Its mutex guards only that list; the large
// map has its own. Heaps never take either lock on a fast path.

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Allocator is one independent instance: its own address range, heaps and counters.
type Allocator struct {
	cfg    Config
	ar     *arena
	secret uint64 // keys the free tag (heap.go)

	mu     sync.Mutex
	heaps  []*Heap
	idle   []*Heap // released heaps, reused by NewHeap
	closed bool

	largeMu    sync.Mutex
	large      map[uintptr]largeBlock
	largeBytes uint64

	batches sync.Pool // *remoteBatch

	stderr io.Writer // HAKMEM_POOL_V2_STATS output

	pub publisher // asks heaps to publish while someone reads counters
}

// New returns an Allocator configured by cfg. A zero Config means DefaultConfig().
func New(cfg Config) (*Allocator, error) {
	if !cfg.ok {
		cfg = DefaultConfig()
	}
	ar, err := newArena(cfg.SSMax)
	if err != nil {
		return nil, fmt.Errorf("allocator: reserving %d GiB of address space: %w", arenaReserve>>30, err)
	}
	a := &Allocator{
		cfg:    cfg,
		ar:     ar,
		secret: rand.Uint64() | 1,
		large:  make(map[uintptr]largeBlock),
		stderr: os.Stderr,
	}
	a.pub.stop = make(chan struct{})
	a.batches.New = func() any { return new(remoteBatch) }
	return a, nil
}

// Config returns the configuration the Allocator was built with.
func (a *Allocator) Config() Config { return a.cfg }

// NewHeap returns a heap: one released earlier if there is one, else a new
// one. Each heap must be used by one goroutine at a time; it lives, with its
// memory, until Close.
func (a *Allocator) NewHeap() *Heap {
	a.mu.Lock()
	defer a.mu.Unlock()
	// A new worker is about to run, and a sampler about to read it: start
	// the publisher now, so the first Snapshot is as current as the rest.
	a.noteRead()
	if n := len(a.idle); n > 0 {
		h := a.idle[n-1]
		a.idle = a.idle[:n-1]
		return h
	}
	id := len(a.heaps)
	if id >= maxHeaps {
		panic(fmt.Sprintf("allocator: more than %d heaps", maxHeaps))
	}
	h := &Heap{a: a, ar: a.ar, arenaBase: a.ar.base, slabs: unsafe.Pointer(a.ar.slabs), key: heapKey(id), secret: a.secret, id: id}
	for c := range h.tiny {
		h.tiny[c].init(a.cfg.TinyCacheCap, classSize[c])
	}
	for i := range h.v2cache {
		h.v2cache[i].init(poolV2CacheCap, classSize[NumTinyClasses+i])
		if a.cfg.poolV2(i) {
			h.v2mask |= 1 << i
		}
	}
	// Copy-on-append so Snapshot can range over an old slice header unlocked.
	heaps := make([]*Heap, len(a.heaps), len(a.heaps)+1)
	copy(heaps, a.heaps)
	a.heaps = append(heaps, h)
	return h
}

// SetStatsOutput sets where Close prints the HAKMEM_POOL_V2_STATS counters
// (default os.Stderr). Call it before Close.
func (a *Allocator) SetStatsOutput(w io.Writer) {
	a.mu.Lock()
	a.stderr = w
	a.mu.Unlock()
}

// Close returns every superslab and large block to the OS. Every heap must
// have stopped, and no block may be used afterwards. With
// HAKMEM_POOL_V2_STATS=1 it first prints the hotbox v2 counters to stderr.
func (a *Allocator) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	a.mu.Unlock()
	close(a.pub.stop)
	a.pub.done.Wait()
	if a.cfg.PoolV2Stats {
		a.printPoolV2Stats(a.stderr)
	}
	err := a.ar.close()
	a.largeMu.Lock()
	for _, b := range a.large {
		if e := unix.MunmapPtr(b.ptr, b.size); e != nil && err == nil {
			err = e
		}
	}
	clear(a.large)
	a.largeBytes = 0
	a.largeMu.Unlock()
	return err
}

func (a *Allocator) printPoolV2Stats(w io.Writer) {
	s := a.Snapshot()
	fmt.Fprintf(w, "[POOL_V2_STATS] enabled=%v classes=0x%02X pages=%d\n", a.cfg.PoolV2Enabled, a.cfg.PoolV2Classes, a.cfg.PoolV2Pages)
	for pc := 0; pc < NumPoolClasses; pc++ {
		c := s.Classes[NumTinyClasses+pc]
		fmt.Fprintf(w, "[POOL_V2_STATS] %s v2=%v alloc_calls=%d alloc_fast=%d alloc_refill=%d alloc_refill_fail=%d alloc_fallback_v1=%d free_calls=%d free_fast=%d free_fallback_v1=%d\n",
			c.Class, a.cfg.poolV2(pc), c.AllocCalls, c.AllocFast, c.AllocRefill, c.AllocRefillFail, c.AllocFallback, c.FreeCalls, c.FreeFast, c.FreeFallback)
	}
	fmt.Fprintf(w, "[POOL_V2_STATS] page_of_fail_header_missing=%d page_of_fail_out_of_range=%d page_of_fail_misaligned=%d page_of_fail_unknown=%d\n",
		s.Invalid.HeaderMissing, s.Invalid.OutOfRange, s.Invalid.Misaligned, s.Invalid.Unknown)
}

func (a *Allocator) memoryStats() MemoryStats {
	var m MemoryStats
	a.ar.mu.Lock()
	m.SuperslabsMapped = uint64(a.ar.mapped)
	m.SuperslabsPeak = uint64(a.ar.peak)
	m.SuperslabMaps = a.ar.maps
	m.SuperslabUnmaps = a.ar.unmaps
	a.ar.mu.Unlock()
	a.largeMu.Lock()
	m.LargeBlocks = uint64(len(a.large))
	m.LargeBytes = a.largeBytes
	a.largeMu.Unlock()
	m.MappedBytes = m.SuperslabsMapped*SuperslabSize + m.LargeBytes
	return m
}

func unsafePointer[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }
