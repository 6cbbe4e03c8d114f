package allocator

// A RemoteQueue receives the blocks other heaps free on its owner's behalf.
// Freeing heaps batch pointers per owner (Heap.pending) and push whole
// batches with one CAS, so a remote free costs a store, not an atomic. The
// owner takes every batch with one swap when it next refills. It is a
// lock-free multi-producer, single-consumer stack of batches.

import (
	"sync/atomic"
	"unsafe"
)

const remoteBatchLen = 62 // fills a 512-byte batch

type remoteBatch struct {
	next *remoteBatch
	n    int
	ptrs [remoteBatchLen]unsafe.Pointer
}

// RemoteQueue is an owner heap's inbox. Its head sits on its own cache line
// so producers do not slow the owner's fields.
type RemoteQueue struct {
	_    [64]byte
	head atomic.Pointer[remoteBatch]
	_    [56]byte
}

//go:noinline
func (q *RemoteQueue) push(b *remoteBatch) {
	for {
		old := q.head.Load()
		b.next = old
		if q.head.CompareAndSwap(old, b) {
			return
		}
	}
}

func (q *RemoteQueue) takeAll() *remoteBatch {
	if q.head.Load() == nil {
		return nil
	}
	return q.head.Swap(nil)
}

// freeRemote queues block p, owned by another heap, for its owner.
//
//go:noinline
func (h *Heap) freeRemote(owner *Heap, p unsafe.Pointer) {
	if statsCompiled {
		h.st.path[PathRemotePush]++
	}
	if owner.id >= len(h.pending) {
		h.pending = append(h.pending, make([]*remoteBatch, owner.id+1-len(h.pending))...)
	}
	b := h.pending[owner.id]
	if b == nil {
		b = h.a.batches.Get().(*remoteBatch)
		h.pending[owner.id] = b
	}
	b.ptrs[b.n] = p
	b.n++
	if b.n == remoteBatchLen {
		h.pending[owner.id] = nil
		owner.remote.push(b)
	}
}

// flushPending sends every partly filled batch to its owner.
func (h *Heap) flushPending() {
	for id, b := range h.pending {
		if b != nil {
			h.pending[id] = nil
			h.a.heapByID(id).remote.push(b)
		}
	}
}

// drainRemote takes back every block other heaps have freed to h. The
// check for an empty queue is inlined into the caller (a refill), so the
// remote_drain path's function, drainQueue, runs only when it drains, and
// every CPU sample in it comes with a hit.
func (h *Heap) drainRemote() {
	if h.remote.head.Load() != nil {
		h.drainQueue()
	}
}

// drainQueue is drainRemote's body: the remote_drain path.
//
//go:noinline
func (h *Heap) drainQueue() {
	b := h.remote.takeAll()
	if b == nil {
		return
	}
	if statsCompiled {
		h.st.path[PathRemoteDrain]++
	}
	for b != nil {
		next := b.next
		for _, p := range b.ptrs[:b.n] {
			h.takeBack(p)
		}
		b.n, b.next = 0, nil
		h.a.batches.Put(b)
		b = next
	}
}

func (a *Allocator) heapByID(id int) *Heap {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.heaps[id]
}
