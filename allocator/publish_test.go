package allocator

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// setPublishWait sets publishWait for the test.
func setPublishWait(t *testing.T, d time.Duration) {
	old := publishWait
	publishWait = d
	t.Cleanup(func() { publishWait = old })
}

// answered reports whether h has answered request r.
func answered(h *Heap, r uint64) bool { return h.pub.ack.Load() >= r }

// warmTiny runs one 64-byte alloc/free pair so the class's cache holds
// blocks and the heap is awake.
func warmTiny(h *Heap) {
	h.Free(h.Alloc(64))
}

// TestRequestTrapsTinyFree checks that a request reaches a heap running only
// the inline fast paths: its next tiny Free takes the slow path and
// publishes, so the counters are exact up to that Free.
func TestRequestTrapsTinyFree(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	warmTiny(h)
	const n = 1000
	for i := 0; i < n; i++ {
		h.Free(h.Alloc(64))
	}
	r := h.request()
	b := h.Alloc(64) // the trap is on Free: Alloc stays fast
	if answered(h, r) {
		t.Fatal("answered before the trapped Free")
	}
	if err := h.Free(b); err != nil {
		t.Fatal(err)
	}
	if !answered(h, r) {
		t.Fatal("the Free after a request did not answer it")
	}
	// Published before the trapped Free counted itself.
	got := a.snapshotOf(a.heaps).Classes[3]
	if got.AllocCalls != n+2 || got.FreeCalls != n+1 || got.AllocFast != n+1 || got.FreeFast != n+1 {
		t.Errorf("published %+v, want %d allocs (%d fast) and %d frees (all fast)", got.Counters, n+2, n+1, n+1)
	}
	// The trapped Free counts as a fast free, and the limits are back.
	h.Flush()
	got = a.Snapshot().Classes[3]
	if got.FreeCalls != n+2 || got.FreeFast != n+2 || got.FreeFallback != 0 {
		t.Errorf("after Flush %+v, want %d frees, all fast", got.Counters, n+2)
	}
	for c := range h.tiny {
		if lim := h.tiny[c].limit.Load(); lim != 0 {
			t.Errorf("C%d: limit %d after Flush, want 0 (armed to wake the heap)", c, lim)
		}
	}
	warmTiny(h)
	for c := range h.tiny {
		if lim, size := h.tiny[c].limit.Load(), uint32(h.tiny[c].size); lim != size {
			t.Errorf("C%d: limit %d after waking, want the size %d", c, lim, size)
		}
	}
	if h.pub.idle.Load() {
		t.Error("heap still idle after a tiny Free")
	}
}

// TestRequestReachesEveryPattern checks that each kind of work answers a
// request within a bounded number of calls, counted from the request.
func TestRequestReachesEveryPattern(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	for _, tc := range []struct {
		name   string
		within int // calls after the request; 0 means a tiny cache's capacity
		op     func(h *Heap, keep *[][]byte)
	}{
		{"tiny alloc only", 0, func(h *Heap, keep *[][]byte) { *keep = append(*keep, h.Alloc(64)) }},
		{"tiny free only", 1, func(h *Heap, keep *[][]byte) {
			b := (*keep)[len(*keep)-1]
			*keep = (*keep)[:len(*keep)-1]
			h.Free(b)
		}},
		{"pool", 1, func(h *Heap, keep *[][]byte) { h.Free(h.Alloc(5000)) }},
		{"large", 1, func(h *Heap, keep *[][]byte) { h.Free(h.Alloc(100 << 10)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAllocator(t, nil)
			h := a.NewHeap()
			within := tc.within
			if within == 0 {
				within = a.Config().TinyCacheCap
			}
			var keep [][]byte
			for i := 0; i < 3*a.Config().TinyCacheCap; i++ {
				keep = append(keep, h.Alloc(64))
			}
			warmTiny(h)
			r := h.request()
			calls := 0
			for !answered(h, r) {
				if calls == within {
					t.Fatalf("no answer after %d calls", calls)
				}
				tc.op(h, &keep)
				calls++
			}
		})
	}
}

// TestSnapshotIsCurrent runs a worker on its own goroutine and checks that
// Snapshot shows at least every pair the worker finished before Snapshot
// was called, and never more than it finished by the time Snapshot returned.
func TestSnapshotIsCurrent(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	setPublishWait(t, 10*time.Second) // CI machines are shared: never time out here
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	var done atomic.Uint64
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			h.Free(h.Alloc(64))
			done.Add(1)
		}
		h.Flush()
	}()
	for done.Load() == 0 {
		// wait for the worker to start
	}
	for i := 0; i < 50; i++ {
		before := done.Load()
		allocs := a.Snapshot().Classes[3].AllocCalls
		after := done.Load()
		if allocs < before || allocs > after+1 {
			t.Errorf("round %d: snapshot shows %d allocs; the worker had finished %d pairs before it and %d after", i, allocs, before, after)
		}
	}
	stop.Store(true)
	wg.Wait()
	if got := a.Snapshot().Classes[3].AllocCalls; got != done.Load() {
		t.Errorf("after Flush %d allocs, want %d", got, done.Load())
	}
}

// TestIdleHeapIsNotWaitedFor checks the idle marks: a new or flushed heap is
// idle, a request it cannot answer (its goroutine is the one calling
// Snapshot) marks it idle, and its next slow path wakes it.
func TestIdleHeapIsNotWaitedFor(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	setPublishWait(t, time.Millisecond)
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	if !h.pub.idle.Load() {
		t.Fatal("a new heap is not idle")
	}
	warmTiny(h)
	if h.pub.idle.Load() {
		t.Fatal("still idle after its first calls")
	}
	h.Alloc(64)
	// Nobody answers while this goroutine waits in Snapshot, so it shows
	// what the heap published when it woke, before its first call counted.
	if got := a.Snapshot().Classes[3].AllocCalls; got != 0 {
		t.Errorf("snapshot shows %d allocs, want the 0 published when the heap woke", got)
	}
	if !h.pub.idle.Load() {
		t.Fatal("a heap that left a request unanswered is not idle")
	}
	h.Free(h.Alloc(64))
	if h.pub.idle.Load() {
		t.Fatal("still idle after answering")
	}
	if got := a.snapshotOf(a.heaps).Classes[3].AllocCalls; got != 3 {
		t.Errorf("answer published %d allocs, want 3", got)
	}
	h.Flush()
	if !h.pub.idle.Load() {
		t.Fatal("not idle after Flush")
	}
}
