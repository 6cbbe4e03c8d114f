package allocator

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// setPublishLinger sets publishLinger for the test.
func setPublishLinger(t *testing.T, d time.Duration) {
	old := publishLinger
	publishLinger = d
	t.Cleanup(func() { publishLinger = old })
}

// quietPublisher waits until a's publisher has stopped, so the test's own
// requests are the only ones: a running publisher may ask again between an
// answer and the test's look at it. Call setPublishLinger(t, 0) before New,
// so the publisher stops at its first tick.
func quietPublisher(t *testing.T, a *Allocator) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for a.pub.running.Load() {
		if time.Now().After(deadline) {
			t.Fatal("publisher still running 10 s after its linger ended")
		}
		time.Sleep(time.Millisecond)
	}
}

// answered reports whether h has answered the last request.
func answered(h *Heap) bool { return !h.pub.pending.Load() }

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
	setPublishLinger(t, 0)
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	quietPublisher(t, a)
	warmTiny(h)
	const n = 1000
	for i := 0; i < n; i++ {
		h.Free(h.Alloc(64))
	}
	h.request()
	b := h.Alloc(64) // the trap is on Free: Alloc stays fast
	if answered(h) {
		t.Fatal("answered before the trapped Free")
	}
	if err := h.Free(b); err != nil {
		t.Fatal(err)
	}
	if !answered(h) {
		t.Fatal("the Free after a request did not answer it")
	}
	// Published before the trapped Free counted itself.
	got := a.snapshotOf(a.heaps).Classes[3]
	if got.AllocCalls != n+2 || got.FreeCalls != n+1 || got.AllocFast != n+1 || got.FreeFast != n+1 {
		t.Errorf("published %+v, want %d allocs (%d fast) and %d frees (all fast)", got.Counters, n+2, n+1, n+1)
	}
	// The answer put the limits back.
	for c := range h.tiny {
		if lim, size := h.tiny[c].limit.Load(), uint32(h.tiny[c].size); lim != size {
			t.Errorf("C%d: limit %d after the answer, want the size %d", c, lim, size)
		}
	}
	// The trapped Free counts as a fast free.
	h.Flush()
	got = a.Snapshot().Classes[3]
	if got.FreeCalls != n+2 || got.FreeFast != n+2 || got.FreeFallback != 0 {
		t.Errorf("after Flush %+v, want %d frees, all fast", got.Counters, n+2)
	}
}

// TestRequestReachesEveryPattern checks that each kind of work answers a
// request within a bounded number of calls, counted from the request.
func TestRequestReachesEveryPattern(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	setPublishLinger(t, 0)
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
			quietPublisher(t, a)
			within := tc.within
			if within == 0 {
				within = a.Config().TinyCacheCap
			}
			var keep [][]byte
			for i := 0; i < 3*a.Config().TinyCacheCap; i++ {
				keep = append(keep, h.Alloc(64))
			}
			warmTiny(h)
			h.request()
			calls := 0
			for !answered(h) {
				if calls == within {
					t.Fatalf("no answer after %d calls", calls)
				}
				tc.op(h, &keep)
				calls++
			}
		})
	}
}

// TestSnapshotFollowsRunningHeap runs a worker on its own goroutine and
// checks that Snapshot, without any Flush, catches up with every pair the
// worker had finished, and never shows more than it has finished.
func TestSnapshotFollowsRunningHeap(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
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
	// Before the allocator's Close (cleanups run last first), also when a
	// check below fails.
	t.Cleanup(func() { stop.Store(true); wg.Wait() })
	for done.Load() == 0 {
		// wait for the worker to start
	}
	for i := 0; i < 20; i++ {
		before := done.Load()
		// Generous: a shared CI machine may keep the worker or the
		// publisher off a CPU for a while; 1 ms is typical.
		deadline := time.Now().Add(10 * time.Second)
		for {
			allocs := a.Snapshot().Classes[3].AllocCalls
			if after := done.Load(); allocs > after+1 {
				t.Fatalf("round %d: snapshot shows %d allocs; the worker has finished %d pairs", i, allocs, after)
			}
			if allocs >= before {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: snapshot still shows %d allocs of the %d finished 10 s earlier", i, allocs, before)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	stop.Store(true)
	wg.Wait()
	if got := a.Snapshot().Classes[3].AllocCalls; got != done.Load() {
		t.Errorf("after Flush %d allocs, want %d", got, done.Load())
	}
}

// TestPublisherLifecycle checks that NewHeap and Snapshot start the
// publisher, that it stops once nobody reads for publishLinger, and that
// Close stops it.
func TestPublisherLifecycle(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	setPublishLinger(t, 5*time.Millisecond)
	a := newTestAllocator(t, nil)
	if a.pub.running.Load() {
		t.Fatal("publisher running before any heap or Snapshot")
	}
	h := a.NewHeap()
	warmTiny(h)
	if !a.pub.running.Load() {
		t.Fatal("NewHeap did not start the publisher")
	}
	// The publisher's first request; h stays idle. On a loaded machine its
	// first tick may come after publishLinger, and it stops without asking.
	for answered(h) && a.pub.running.Load() {
		time.Sleep(100 * time.Microsecond)
	}
	for a.pub.running.Load() {
		time.Sleep(time.Millisecond) // it stops after publishLinger without reads
	}
	a.Snapshot()
	if !a.pub.running.Load() {
		t.Fatal("Snapshot did not restart the publisher")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if a.pub.running.Load() {
		t.Fatal("publisher still running after Close")
	}
	a.Snapshot() // after Close: reads, starts nothing
	if a.pub.running.Load() {
		t.Fatal("Snapshot after Close started the publisher")
	}
}

// BenchmarkSnapshot measures a Snapshot of an allocator whose heaps run
// tiny alloc/free pairs on their own goroutines: the requests, the owners'
// answers and the read. With as many workers as CPUs, the Snapshot's
// goroutine displaces one, which must run again before it can answer.
func BenchmarkSnapshot(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			a, err := New(DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			var stop atomic.Bool
			var wg, running sync.WaitGroup
			for range workers {
				h := a.NewHeap()
				wg.Add(1)
				running.Add(1)
				go func() {
					defer wg.Done()
					h.Free(h.Alloc(64))
					running.Done()
					for !stop.Load() {
						h.Free(h.Alloc(64))
					}
					h.Flush()
				}()
			}
			// Every worker is in its loop; with counters compiled in, wait
			// until they reach Snapshot too. Under haktop_nostats they
			// never do, and Snapshot's cost is what remains to measure.
			running.Wait()
			for a.Snapshot().StatsCompiled && a.Snapshot().Classes[3].AllocCalls == 0 {
				time.Sleep(100 * time.Microsecond)
			}
			// As a sampler does: sleep, then take a Snapshot. Only the
			// Snapshot is timed (snapshot-ns, and its worst case).
			var total, worst time.Duration
			b.ResetTimer()
			for range b.N {
				time.Sleep(200 * time.Microsecond)
				t0 := time.Now()
				a.Snapshot()
				d := time.Since(t0)
				total += d
				worst = max(worst, d)
			}
			b.StopTimer()
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "snapshot-ns")
			b.ReportMetric(float64(worst.Nanoseconds()), "worst-ns")
			stop.Store(true)
			wg.Wait()
		})
	}
}

// BenchmarkAnswer measures what answering one request costs a heap: the
// publish of every counter and the limits put back.
func BenchmarkAnswer(b *testing.B) {
	a, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	h := a.NewHeap()
	warmTiny(h)
	for range b.N {
		h.request()
		h.answer()
	}
}
