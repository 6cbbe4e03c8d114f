package allocator

// The tiny tier's slow paths. The fast paths (a pop in Alloc, a push in
// Free) live in heap.go; a miss lands here. A refill first takes back what
// other heaps freed to this one, then fills half the cache from the class's
// slabs, mapping a superslab only when no slab has room.

import "unsafe"

// tinyAlloc is a tiny Alloc whose class's cache is empty: a refill, or the
// large tier when no memory can be had.
//
//go:noinline
func (h *Heap) tinyAlloc(n int) []byte {
	cls := int(tinyClassOf[(n+7)>>tinyStepShift])
	if statsCompiled {
		h.poll()
		h.st.class[cls].AllocCalls++
	}
	if p := h.tinyRefill(cls); p != nil {
		if statsCompiled {
			h.st.class[cls].AllocRefill++
			h.st.path[PathTinyRefill]++
		}
		*(*uint64)(p) = 0
		return blockSlice(p, n, classSize[cls])
	}
	if statsCompiled {
		h.st.class[cls].AllocRefillFail++
	}
	return h.refillFallback(cls, n)
}

// tinyRefill fills class cls's cache and returns one block from it, or nil
// when no memory can be had.
//
//go:noinline
func (h *Heap) tinyRefill(cls int) unsafe.Pointer {
	h.flushPending()
	h.drainRemote()
	c := &h.tiny[cls]
	if c.empty() {
		want := uint32(max(1, c.capacity()/2))
		for c.depth() < want {
			p, _ := h.takeBlock(cls, cls, false, true)
			if p == nil {
				break
			}
			// A cached block carries the free tag, as a freed one does,
			// so freeing it (a stale pointer into a reused slab) is a
			// double free, not a second copy in the cache.
			*(*uint64)(p) = h.tag(p)
			h.slowPush(cls, p)
		}
		if c.empty() {
			return nil
		}
	}
	if statsCompiled {
		h.st.slowPop[cls]++
	}
	return c.pop()
}

// slowPush pushes p on class cls's cache for a slow path, which the fast
// path counters must not count; the caller has checked full.
func (h *Heap) slowPush(cls int, p unsafe.Pointer) {
	if statsCompiled {
		h.st.slowPush[cls]++
	}
	h.tiny[cls].push(p)
}

// tinyFlush returns class cls's cached blocks to their slabs until keep remain.
//
//go:noinline
func (h *Heap) tinyFlush(cls, keep int) {
	c := &h.tiny[cls]
	if int(c.depth()) <= keep {
		return
	}
	if statsCompiled {
		h.st.path[PathTinyFlush]++
		h.st.slowPop[cls] += uint64(int(c.depth()) - keep)
	}
	h.flushStack(c, keep)
}

// flushStack returns a cache's blocks to their slabs until keep remain.
func (h *Heap) flushStack(c *blockStack, keep int) {
	for int(c.depth()) > keep {
		p := c.pop()
		ss, off, _ := h.ar.lookup(p)
		sl := &ss.slabs[(off>>slabShift)&(slabsPerSS-1)]
		idx, _ := sl.index(off & slabMask)
		h.returnBlock(sl, idx)
	}
}
