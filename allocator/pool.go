package allocator

// The pool tier, P0..P6 (2 KiB to 64 KiB). Each block lives in a 64 KiB
// page (a slab). Two paths serve it:
//
//   - v1: every alloc and free goes straight to the class's page list.
//   - hotbox v2 (HAKMEM_POOL_V2_ENABLED=1, classes in HAKMEM_POOL_V2_CLASSES):
//     a per-class cache over pages of its own, at most HAKMEM_POOL_V2_PAGES
//     of them per heap. Once the budget is spent and the cache is empty, v2
//     falls back to v1 (alloc_fallback, the seed's alloc_fallback_v1).
//
// Counter meanings for pool rows: alloc_fast is a block from an existing
// page (v1) or the cache (v2); alloc_refill needed a new page (v1) or a
// cache refill (v2); free_fallback is a v2 class freeing to a v1 page or a
// full v2 cache.

import "unsafe"

const poolV2CacheCap = 32

func poolBlock(p unsafe.Pointer, n, cls int) []byte {
	*(*uint64)(p) = 0
	return blockSlice(p, n, classSize[cls])
}

//go:noinline
func (h *Heap) poolV1Alloc(pc, n int) []byte {
	cls := NumTinyClasses + pc
	if statsCompiled {
		h.poll()
		h.st.class[cls].AllocCalls++
		h.st.path[PathPoolV1Alloc]++
	}
	p, fresh := h.takeBlock(cls, cls, false, true)
	if p == nil {
		if statsCompiled {
			h.st.class[cls].AllocRefillFail++
		}
		return h.refillFallback(cls, n)
	}
	if statsCompiled {
		if fresh {
			h.st.class[cls].AllocRefill++
		} else {
			h.st.class[cls].AllocFast++
		}
	}
	return poolBlock(p, n, cls)
}

//go:noinline
func (h *Heap) poolV2Alloc(pc, n int) []byte {
	cls := NumTinyClasses + pc
	if statsCompiled {
		h.poll()
		h.st.class[cls].AllocCalls++
		h.st.path[PathPoolV2Alloc]++
	}
	c := &h.v2cache[pc]
	if c.empty() {
		h.v2Refill(pc)
		if c.empty() {
			if statsCompiled {
				h.st.class[cls].AllocRefillFail++
			}
			return h.poolV2Fallback(pc, n)
		}
		if statsCompiled {
			h.st.class[cls].AllocRefill++
		}
	} else if statsCompiled {
		h.st.class[cls].AllocFast++
	}
	return poolBlock(c.pop(), n, cls)
}

// v2Refill fills half of class pc's v2 cache from v2 pages, taking new
// pages while the budget allows.
func (h *Heap) v2Refill(pc int) {
	h.flushPending()
	h.drainRemote()
	cls := NumTinyClasses + pc
	c := &h.v2cache[pc]
	for c.depth() < uint32(c.capacity()/2) {
		p, _ := h.takeBlock(cls, availKey(cls, true), true, h.v2pages < h.a.cfg.PoolV2Pages)
		if p == nil {
			return
		}
		*(*uint64)(p) = h.tag(p) // cached blocks carry the free tag (see tinyRefill)
		c.push(p)
	}
}

// poolV2Fallback serves a v2 class from v1 pages once v2 has no block.
//
//go:noinline
func (h *Heap) poolV2Fallback(pc, n int) []byte {
	cls := NumTinyClasses + pc
	if statsCompiled {
		h.st.path[PathPoolV2Fallback]++
		h.st.path[PathPoolV1Alloc]++
		h.st.class[cls].AllocFallback++
	}
	if p, _ := h.takeBlock(cls, cls, false, true); p != nil {
		return poolBlock(p, n, cls)
	}
	b := h.a.largeAlloc(h, classSize[cls], cls)
	if b == nil {
		return nil
	}
	return b[:n:classSize[cls]]
}

// poolFree returns an owned, validated pool block; FreeCalls is counted.
func (h *Heap) poolFree(sl *slab, cls int, idx uint32, p unsafe.Pointer) {
	if sl.v2 {
		h.poolV2Free(sl, cls, idx, p)
	} else {
		h.poolV1Free(sl, cls, idx)
	}
}

//go:noinline
func (h *Heap) poolV1Free(sl *slab, cls int, idx uint32) {
	if statsCompiled {
		h.st.path[PathPoolV1Free]++
		if h.v2mask&(1<<(cls-NumTinyClasses)) != 0 {
			h.st.class[cls].FreeFallback++
		} else {
			h.st.class[cls].FreeFast++
		}
	}
	h.returnBlock(sl, idx)
}

//go:noinline
func (h *Heap) poolV2Free(sl *slab, cls int, idx uint32, p unsafe.Pointer) {
	if statsCompiled {
		h.st.path[PathPoolV2Free]++
	}
	c := &h.v2cache[cls-NumTinyClasses]
	if !c.full() {
		c.push(p)
		if statsCompiled {
			h.st.class[cls].FreeFast++
		}
		return
	}
	if statsCompiled {
		h.st.class[cls].FreeFallback++
	}
	h.returnBlock(sl, idx)
}

// v2Flush returns class pc's cached v2 blocks to their pages until keep remain.
func (h *Heap) v2Flush(pc, keep int) {
	h.flushStack(&h.v2cache[pc], keep)
}
