package workload

// Run owns a running workload: its workers, their heaps, the state word they
// poll between chunks, and the per-worker cycle slots the live view reads.
// Only the worker goroutines touch their heaps and loops; everything another
// goroutine may call (Pause, Resume, Stop, Cycles, Wait) goes through the
// atomics or the mutex, never through a worker's fields.

import (
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haktop/haktop/allocator"
)

// Run states, in Run.state.
const (
	stateRunning int32 = iota
	statePaused
	stateStopped
)

// The pprof label keys every worker goroutine carries (runtime/pprof.Do):
// its workload's name and its index. profile splits CPU samples by them.
const (
	LabelWorkload = "workload"
	LabelWorker   = "worker"
)

// Run is a started workload. Its methods are safe from any goroutine.
type Run struct {
	spec    Spec
	ctx     context.Context
	workers []*worker
	slots   []cycleSlot

	state atomic.Int32
	mu    sync.Mutex
	cond  sync.Cond // on mu: parked or finished changed, or state changed
	// parked counts workers waiting in park; finished counts workers that
	// have left their loop for good.
	parked, finished int

	// allLeft is closed once every worker has left its loop: no batch
	// will be handed over after that (larson's drain waits for it).
	allLeft chan struct{}
	// wakeCh is closed (under mu) whenever a worker blocked handing a
	// batch to another must give up: on Pause and on Stop. Resume
	// replaces it.
	wakeCh     atomic.Pointer[chan struct{}]
	wakeClosed bool

	done   chan struct{}
	result Result
}

// cycleSlot is one worker's published cycle count, alone on its cache line
// so workers never share a line they write.
type cycleSlot struct {
	n atomic.Int64
	_ [56]byte
}

// Result is what a finished Run did.
type Result struct {
	Spec    Spec
	Cycles  int64 // allocator calls the workload made (Allocs + Frees)
	Allocs  int64
	Frees   int64 // the workload's own frees, not the final drain
	Drained int64 // blocks freed by the final drain
	// Elapsed is the longest worker's loop time, pauses and drain excluded,
	// so ops/s = Cycles / Elapsed.
	Elapsed time.Duration
	Workers []WorkerResult
	Err     error // a worker's failure (the OS refused memory); nil normally
}

// WorkerResult is one worker's share of a Result.
type WorkerResult struct {
	Heap    int // the worker's allocator.Heap ID
	Cycles  int64
	Allocs  int64
	Frees   int64
	Drained int64
	Elapsed time.Duration
}

// OpsPerSec returns Cycles / Elapsed in seconds, or 0 before any time passed.
func (r Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Cycles) / r.Elapsed.Seconds()
}

// Start validates s, gives each worker a new heap of a, and starts the
// workers. The run ends when its cycles or duration are spent, on Stop, or
// when ctx is done. It returns the Spec's *FieldError for a bad Spec.
func Start(ctx context.Context, a *allocator.Allocator, s Spec) (*Run, error) {
	if a == nil {
		return nil, errors.New("workload: Start needs an allocator")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	r := &Run{
		spec:    s,
		ctx:     ctx,
		workers: make([]*worker, s.Workers),
		slots:   make([]cycleSlot, s.Workers),
		done:    make(chan struct{}),
		allLeft: make(chan struct{}),
	}
	r.cond.L = &r.mu
	wake := make(chan struct{})
	r.wakeCh.Store(&wake)
	var ln *larsonNet
	if s.Name == Larson {
		ln = newLarsonNet(s.Workers)
	}
	for i := range r.workers {
		w := &worker{run: r, index: i, heap: a.NewHeap(), slot: &r.slots[i]}
		w.limit = s.workerCycles(i)
		seed := s.Seed + uint32(i)
		switch s.Name {
		case RandomMixed:
			w.loop = newRandomMixed(s, seed)
		case TinyHot:
			w.loop = newTinyHot(s)
		case MidPool:
			w.loop = newMidPool(s, seed)
		case Larson:
			w.loop = ln.loop(r, i, s, seed)
		case Large:
			w.loop = newLargeLoop(s, seed)
		}
		r.workers[i] = w
	}
	var wg sync.WaitGroup
	wg.Add(s.Workers)
	for _, w := range r.workers {
		go func() {
			defer wg.Done()
			labels := pprof.Labels(LabelWorkload, s.Name, LabelWorker, strconv.Itoa(w.index))
			pprof.Do(ctx, labels, func(context.Context) { w.work() })
		}()
	}
	go r.finish(&wg)
	return r, nil
}

// finish waits for the workers, then, owning every heap now, flushes each
// once more so blocks freed remotely after their owner's last flush go home.
func (r *Run) finish(wg *sync.WaitGroup) {
	stopOnCancel := make(chan struct{})
	go func() {
		select {
		case <-r.ctx.Done():
			r.Stop()
		case <-stopOnCancel:
		}
	}()
	wg.Wait()
	close(stopOnCancel)
	res := Result{Spec: r.spec, Workers: make([]WorkerResult, len(r.workers))}
	for _, w := range r.workers {
		w.heap.Flush()
	}
	for i, w := range r.workers {
		// Hand the heap back so the next Start reuses it instead of adding one.
		w.heap.Release()
		wr := w.result
		res.Workers[i] = wr
		res.Cycles += wr.Cycles
		res.Allocs += wr.Allocs
		res.Frees += wr.Frees
		res.Drained += wr.Drained
		res.Elapsed = max(res.Elapsed, wr.Elapsed)
		if w.err != nil && res.Err == nil {
			res.Err = w.err
		}
	}
	r.result = res
	close(r.done)
}

// Spec returns the Spec the run was started with.
func (r *Run) Spec() Spec { return r.spec }

// Pause asks every worker to park after its current chunk and returns once
// each has parked (after flushing its heap) or finished, so a Snapshot taken
// then is exact unless a finished worker is still draining.
func (r *Run) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state.Load() != stateRunning {
		return
	}
	r.state.Store(statePaused)
	r.wakeLocked()
	for r.state.Load() == statePaused && r.parked+r.finished < len(r.workers) {
		r.cond.Wait()
	}
}

// Resume restarts parked workers. It does nothing unless the run is paused.
func (r *Run) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state.Load() == statePaused {
		r.state.Store(stateRunning)
		if r.wakeClosed {
			wake := make(chan struct{})
			r.wakeCh.Store(&wake)
			r.wakeClosed = false
		}
		r.cond.Broadcast()
	}
}

// Paused reports whether the run is paused.
func (r *Run) Paused() bool { return r.state.Load() == statePaused }

// Stop asks every worker to stop after its current chunk, paused or not.
// It does not wait: Wait returns when they have drained and flushed.
func (r *Run) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state.Store(stateStopped)
	r.wakeLocked()
	r.cond.Broadcast()
}

// Done returns a channel closed once every worker has finished.
func (r *Run) Done() <-chan struct{} { return r.done }

// Ended reports whether every worker has finished, without waiting.
func (r *Run) Ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// Wait returns the Result once every worker has finished.
func (r *Run) Wait() Result {
	<-r.done
	return r.result
}

// Cycles returns the cycles all workers have published so far; it lags each
// worker by at most one chunk.
func (r *Run) Cycles() int64 {
	var n int64
	for i := range r.slots {
		n += r.slots[i].n.Load()
	}
	return n
}

// WorkerCycles returns worker i's published cycles, or 0 for no such worker.
func (r *Run) WorkerCycles(i int) int64 {
	if i < 0 || i >= len(r.slots) {
		return 0
	}
	return r.slots[i].n.Load()
}

// HeapID returns the allocator.Heap ID of worker i, or -1 for no such worker.
func (r *Run) HeapID(i int) int {
	if i < 0 || i >= len(r.workers) {
		return -1
	}
	return r.workers[i].heap.ID()
}

// park flushes the worker's heap, waits while the run is paused and returns
// how long it waited. The caller re-reads the state afterwards.
func (r *Run) park(h *allocator.Heap) time.Duration {
	h.Flush()
	t0 := time.Now()
	r.mu.Lock()
	r.parked++
	r.cond.Broadcast()
	for r.state.Load() == statePaused {
		r.cond.Wait()
	}
	r.parked--
	r.mu.Unlock()
	return time.Since(t0)
}

// leave records that a worker has left its loop for good.
func (r *Run) leave() {
	r.mu.Lock()
	r.finished++
	if r.finished == len(r.workers) {
		close(r.allLeft)
	}
	r.cond.Broadcast()
	r.mu.Unlock()
}

// wake returns the channel a blocked hand-off waits on besides its peer.
func (r *Run) wake() <-chan struct{} { return *r.wakeCh.Load() }

// wakeLocked closes the wake channel; r.mu is held.
func (r *Run) wakeLocked() {
	if !r.wakeClosed {
		close(*r.wakeCh.Load())
		r.wakeClosed = true
	}
}

// loop is one worker's workload. The driver calls it per chunk, never per op.
type loop interface {
	// chunkLen is how many cycles to run between two looks at the state word.
	chunkLen() int64
	// chunk runs exactly n cycles and returns how many were allocations.
	chunk(h *allocator.Heap, n int64) (allocs int64)
	// drain frees every block the loop still holds and returns how many.
	drain(h *allocator.Heap) int64
}

// worker is one goroutine's state; only that goroutine touches it until
// the run is done.
type worker struct {
	run    *Run
	index  int
	heap   *allocator.Heap
	slot   *cycleSlot
	limit  int64 // cycles to run; 0 with an unbounded Spec means no limit
	loop   loop
	result WorkerResult
	err    error
}

// work runs the loop chunk by chunk until the limit, the deadline or Stop,
// then drains and flushes.
func (w *worker) work() {
	r, h := w.run, w.heap
	w.result.Heap = h.ID()
	left := true // still owes r.leave
	defer func() {
		if p := recover(); p != nil {
			w.err = fmt.Errorf("workload %s worker %d: %v", r.spec.Name, w.index, p)
			r.Stop()
			if left {
				r.leave()
			}
		}
	}()
	bounded := r.spec.Cycles > 0
	step := w.loop.chunkLen()
	var (
		done, allocs int64
		paused       time.Duration
	)
	start := time.Now()
	var deadline time.Time
	if r.spec.Duration > 0 {
		deadline = start.Add(r.spec.Duration)
	}
	for {
		n := step
		if bounded {
			if done >= w.limit {
				break
			}
			n = min(n, w.limit-done)
		}
		allocs += w.loop.chunk(h, n)
		done += n
		w.slot.n.Store(done)
		if st := r.state.Load(); st != stateRunning {
			if st == statePaused {
				d := r.park(h)
				paused += d
				if !deadline.IsZero() {
					deadline = deadline.Add(d) // a pause does not use up the duration
				}
			}
			if r.state.Load() == stateStopped {
				break
			}
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			r.Stop() // the others end at their next chunk, not at their own deadlines
			break
		}
	}
	w.result.Elapsed = time.Since(start) - paused
	w.result.Cycles, w.result.Allocs, w.result.Frees = done, allocs, done-allocs
	left = false
	r.leave()
	w.result.Drained = w.loop.drain(h)
	h.Flush()
}
