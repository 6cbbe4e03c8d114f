package allocator

// How a heap's counters reach Snapshot. The owner counts with plain writes
// (heapStats) and copies them into publishedStats, its atomics, when asked.
// The fast paths never check for a request. Instead a request sets every
// tiny cache's limit to 0 (see blockStack), so the owner's next tiny Free
// fails its full check and lands in freeSmall, which answers. Any other
// operation reaches a slow path within a cache's worth of calls (an
// Alloc-only heap refills, a pool or large call is slow already), and every
// slow path polls.
//
// Who asks: the Allocator's publisher goroutine, every publishPeriod, for
// as long as someone has called Snapshot or NewHeap in the last
// publishLinger. Snapshot itself only reads, so it never waits for a heap:
// a heap whose goroutine the Snapshot's own goroutine displaced from a CPU
// could not answer before the scheduler preempted one of them (10 ms). A
// running heap's counters are therefore about publishPeriod old, and exact
// once it has called Flush.
//
// Who writes what: the publisher sets pending and the limits (to 0); the
// owner writes the counters and clears pending and the limits (back to size).

import (
	"sync"
	"sync/atomic"
	"time"
)

// publishPeriod is how often the publisher asks every heap to publish.
// Answering costs a heap about 0.2 µs (BenchmarkAnswer: request and answer
// with nothing changed) plus a locked store per changed counter, so at 1 ms
// it is well under 0.1% of a heap's time.
const publishPeriod = time.Millisecond

// publishLinger is how long the publisher keeps asking after the last
// Snapshot: an allocator nobody reads costs no wakeups. A variable so tests
// can shorten it.
var publishLinger = time.Second

// publishedStats is the last published copy of a heapStats, and the
// request words. It sits apart from the owner's fields so the publisher's
// writes do not invalidate the cache lines the fast paths use.
type publishedStats struct {
	pending atomic.Bool // answer at the next slow path
	_       [56]byte
	class   [NumClasses][numCounters]atomic.Uint64
	path    [NumPaths]atomic.Uint64

	invalid [numInvalidKinds]atomic.Uint64
}

// publisher is the Allocator's goroutine that asks heaps to publish.
type publisher struct {
	lastRead atomic.Int64 // time of the last Snapshot, in UnixNano
	running  atomic.Bool
	stop     chan struct{} // closed by Close
	done     sync.WaitGroup
}

// noteRead records a Snapshot (or a NewHeap, whose worker a Snapshot will
// soon read) and starts the publisher if it is not running. The caller
// holds a.mu, so Close cannot miss the goroutine.
func (a *Allocator) noteRead() {
	if !statsCompiled || a.closed {
		return
	}
	a.pub.lastRead.Store(time.Now().UnixNano())
	if a.pub.running.CompareAndSwap(false, true) {
		a.pub.done.Add(1)
		go a.publishLoop()
	}
}

// publishLoop asks every heap to publish each publishPeriod until Close,
// or until nobody has called Snapshot for publishLinger.
func (a *Allocator) publishLoop() {
	defer a.pub.done.Done()
	t := time.NewTicker(publishPeriod)
	defer t.Stop()
	for {
		select {
		case <-a.pub.stop:
			a.pub.running.Store(false)
			return
		case now := <-t.C:
			if now.UnixNano()-a.pub.lastRead.Load() > int64(publishLinger) {
				a.pub.running.Store(false)
				// A Snapshot between the check and the Store saw the
				// publisher running and started none: take that one on.
				if time.Now().UnixNano()-a.pub.lastRead.Load() > int64(publishLinger) ||
					!a.pub.running.CompareAndSwap(false, true) {
					return
				}
			}
			a.mu.Lock()
			heaps := a.heaps
			a.mu.Unlock()
			for _, h := range heaps {
				h.request()
			}
		}
	}
}

// request asks h to publish at its next slow path or tiny Free.
func (h *Heap) request() {
	h.pub.pending.Store(true)
	h.arm()
}

// arm sets every tiny cache's limit to 0, so the owner's next tiny Free
// takes the slow path.
func (h *Heap) arm() {
	for c := range h.tiny {
		h.tiny[c].limit.Store(0)
	}
}

// poll answers a pending request. Every slow path
// calls it before it counts anything (freeSmall, and each tier's Alloc),
// so a publish never shows a call without its outcome.
func (h *Heap) poll() {
	if statsCompiled && h.pub.pending.Load() {
		h.answer()
	}
}

// answer restores the tiny caches' limits and publishes.
//
//go:noinline
func (h *Heap) answer() {
	// Clear before publishing: a request made meanwhile sets them again,
	// so the owner answers it at its next slow path or tiny Free.
	h.disarm()
	if h.pub.pending.Load() {
		h.pub.pending.Store(false)
	}
	h.publish()
}

// disarm sets every tiny cache's limit back to its size.
func (h *Heap) disarm() {
	for c := range h.tiny {
		if t := &h.tiny[c]; t.limit.Load() != uint32(t.size) {
			t.limit.Store(uint32(t.size))
		}
	}
}

// publish copies the heap's counters where Snapshot can read them.
//
//go:noinline
func (h *Heap) publish() {
	s := &h.st
	var fastAlloc, fastFree [NumTinyClasses]uint64
	var fast uint64
	for c := range fastAlloc {
		fastAlloc[c] = h.tiny[c].pops - s.slowPop[c]
		fastFree[c] = h.tiny[c].pushes - s.slowPush[c]
		fast += fastAlloc[c] + fastFree[c]
	}
	s.path[PathTinyFast] = fast
	// Every call that reaches a slow path counts once, in class (slow
	// paths only, so far) or invalid; nothing else does.
	var slow uint64
	for c := range s.class {
		slow += s.class[c].AllocCalls + s.class[c].FreeCalls
	}
	for _, n := range s.invalid {
		slow += n
	}
	s.path[PathSlowEntry] = slow
	for c := range s.class {
		v := s.class[c]
		if c < NumTinyClasses {
			v.AllocCalls += fastAlloc[c]
			v.AllocFast += fastAlloc[c]
			v.FreeCalls += fastFree[c]
			v.FreeFast += fastFree[c]
		}
		dst := &h.pub.class[c]
		for i, x := range v.array() {
			if dst[i].Load() != x {
				dst[i].Store(x)
			}
		}
	}
	// An atomic store is a locked exchange on amd64; skip the unchanged.
	for i, v := range s.path {
		if h.pub.path[i].Load() != v {
			h.pub.path[i].Store(v)
		}
	}
	for i, v := range s.invalid {
		if h.pub.invalid[i].Load() != v {
			h.pub.invalid[i].Store(v)
		}
	}
	h.flushPending()
}
