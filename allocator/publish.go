package allocator

// How a heap's counters reach Snapshot. The owner counts with plain writes
// (heapStats) and copies them into publishedStats, its atomics, when asked:
// Snapshot makes a request, and the owner answers from a slow path. The
// fast paths never check for requests. Instead a request sets every tiny
// cache's limit to 0 (see blockStack), so the owner's next tiny Free fails
// its full check and lands in freeSmall, which answers. Any other operation
// reaches a slow path within a cache's worth of calls (an Alloc-only heap
// refills, a pool or large call is slow already), and every slow path polls.
//
// Snapshot waits for the heaps that are running. It does not wait for an
// idle heap: one that has flushed and not taken a slow path since, or that
// left a request unanswered for publishWait (blocked, descheduled, or used
// by Snapshot's own goroutine). The owner clears idle when it next answers.
//
// Who writes what: Snapshot writes req, and sets pending, idle and the
// limits (to 0); the owner writes ack and the counters, and clears pending,
// idle and the limits (back to size). Flush sets them all, as a request
// the owner answers when it next runs.

import (
	"runtime"
	"sync/atomic"
	"time"
)

// publishWait bounds how long Snapshot waits for a running heap to answer.
// A heap running tiny frees answers in nanoseconds once it is on a CPU; the
// bound covers one that the Go scheduler has to bring back first (it
// preempts a running goroutine after 10 ms). A variable so tests can
// stretch it on a loaded machine or shorten it.
var publishWait = 20 * time.Millisecond

// publishedStats is the last published copy of a heapStats, and the
// request words. It sits apart from the owner's fields so a Snapshot's
// writes do not invalidate the cache lines the fast paths use.
type publishedStats struct {
	req     atomic.Uint64 // requests made
	ack     atomic.Uint64 // the req value the last publish answered
	pending atomic.Bool   // answer at the next slow path
	idle    atomic.Bool   // Snapshot does not wait for this heap
	_       [40]byte
	class   [NumClasses][numCounters]atomic.Uint64
	path    [NumPaths]atomic.Uint64

	invalid [numInvalidKinds]atomic.Uint64
}

// requestPublish asks every heap to publish and waits, up to publishWait,
// for the answers of those that are running.
func requestPublish(heaps []*Heap) {
	if !statsCompiled {
		return
	}
	type pending struct {
		h   *Heap
		req uint64
	}
	var wait []pending
	for _, h := range heaps {
		if r := h.request(); !h.pub.idle.Load() {
			wait = append(wait, pending{h, r})
		}
	}
	start := time.Now()
	for spins := 0; ; spins++ {
		n := 0
		for _, w := range wait {
			if w.h.pub.ack.Load() < w.req {
				wait[n] = w
				n++
			}
		}
		wait = wait[:n]
		if len(wait) == 0 {
			return
		}
		if time.Since(start) > publishWait {
			for _, w := range wait {
				w.h.pub.idle.Store(true)
			}
			return
		}
		// Yield first: on a busy machine the heap may need this CPU.
		if spins < 4 {
			runtime.Gosched()
		} else {
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// request asks h to publish and returns the req value an answer acks.
func (h *Heap) request() uint64 {
	r := h.pub.req.Add(1)
	// After the Add: an owner that sees the flag or the trap must see the
	// request.
	h.pub.pending.Store(true)
	h.arm()
	return r
}

// arm sets every tiny cache's limit to 0, so the owner's next tiny Free
// takes the slow path.
func (h *Heap) arm() {
	for c := range h.tiny {
		h.tiny[c].limit.Store(0)
	}
}

// poll answers a pending request, or wakes an idle heap. Every slow path
// calls it before it counts anything (freeSmall, and each tier's Alloc),
// so a publish never shows a call without its outcome.
func (h *Heap) poll() {
	if statsCompiled && h.pub.pending.Load() {
		h.answer()
	}
}

// answer restores the tiny caches' limits, publishes, and acknowledges
// every request made before it read req.
//
//go:noinline
func (h *Heap) answer() {
	// Clear first: a request made after the req load below sets them
	// again, so the owner answers it at its next slow path or tiny Free.
	h.disarm()
	if h.pub.pending.Load() {
		h.pub.pending.Store(false)
	}
	r := h.pub.req.Load()
	if h.pub.idle.Load() {
		h.pub.idle.Store(false)
	}
	h.publish()
	h.pub.ack.Store(r)
}

// disarm sets every tiny cache's limit back to its size.
func (h *Heap) disarm() {
	for c := range h.tiny {
		if t := &h.tiny[c]; t.limit.Load() != uint32(t.size) {
			t.limit.Store(uint32(t.size))
		}
	}
}

// quiesce publishes, answers pending requests and marks the heap idle, for
// Flush: the heap is about to stop, so Snapshot should not wait for it.
// The limits are armed so the heap's next tiny Free wakes it.
func (h *Heap) quiesce() {
	r := h.pub.req.Load()
	h.publish()
	h.pub.ack.Store(r)
	h.pub.idle.Store(true)
	h.pub.pending.Store(true)
	h.arm()
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
