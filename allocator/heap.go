package allocator

// A Heap is one worker's view of the allocator: its tiny caches, its pool
// page lists and hotbox v2 caches, the superslabs it mapped, its counters
// and its RemoteQueue. Everything but the queue and the published counters
// is touched only by the goroutine using the heap, so the fast paths take
// no lock and do no atomic read-modify-write.
//
// A free block carries a tag in its first word (its address keyed by the
// allocator's secret); Alloc clears it. That is how Free tells a double free
// from a live block without keeping per-block state the fast path would
// have to update.

import (
	"fmt"
	"sync/atomic"
	"unsafe"
)

// Heap is a per-worker allocation context.
type Heap struct {
	a         *Allocator
	ar        *arena
	arenaBase unsafe.Pointer
	slabs     unsafe.Pointer // the arena's *slabMap; unsafe.Pointer so indexing it needs no nil check
	key       uint32         // heapKey(id)
	secret    uint64
	id        int

	tiny [NumTinyClasses]blockStack
	st   heapStats

	// slabs with a free or never-used block, by availKey
	avail   [numSmall + NumPoolClasses][]*slab
	idle    []*slab // slabs serving no class
	v2cache [NumPoolClasses]blockStack
	v2pages int    // pages hotbox v2 owns, against HAKMEM_POOL_V2_PAGES
	v2mask  uint32 // bit pc set: pool class pc takes the hotbox v2 path (Config.poolV2)

	pending []*remoteBatch // by owner heap id
	remote  RemoteQueue
	pub     publishedStats
}

// tinyCacheMax bounds HAKMEM_TINY_CACHE_CAP.
const tinyCacheMax = 4096

// blockStack is a LIFO cache of free blocks. Its slots hold addresses as
// uintptr: the blocks are off the Go heap, so the GC need not scan the cache
// and pushes need no write barrier. push and pop index the slots without a
// bounds check; their callers check full and empty.
//
// The stack keeps no depth: it counts its pushes and pops, and the depth is
// their difference. The tiny fast paths' counters are those same two counts
// less the slow paths' (heapStats), so counting a fast alloc or free costs
// nothing beyond the stack's own bookkeeping.
//
// Free's fast path compares the depth with limit, not size (full does, for
// the slow paths): limit is size except while a publish request is pending,
// when it is 0, so the owner's next Free of the class takes the slow path
// and answers (see publish.go). Reading it is a plain load on amd64; only
// the publisher and the owner's slow paths write it.
type blockStack struct {
	pushes, pops uint64
	limit        atomic.Uint32
	size         uint16         // capacity, at most tinyCacheMax
	mask         uint16         // block size - 1, for Free's alignment check (tiny caches)
	slots        unsafe.Pointer // [size]uintptr, Go-allocated
}

// init sizes the stack for size blocks of blockSize bytes.
func (c *blockStack) init(size, blockSize int) {
	c.size = uint16(size)
	c.mask = uint16(blockSize - 1)
	c.limit.Store(uint32(size))
	c.slots = unsafe.Pointer(unsafe.SliceData(make([]uintptr, size)))
}

// depth returns how many blocks the stack holds.
func (c *blockStack) depth() uint32 { return uint32(c.pushes - c.pops) }

func (c *blockStack) full() bool  { return c.depth() >= uint32(c.size) }
func (c *blockStack) empty() bool { return c.pushes == c.pops }

// capacity returns how many blocks the stack holds when full.
func (c *blockStack) capacity() int { return int(c.size) }

// push adds p; the caller has checked full.
func (c *blockStack) push(p unsafe.Pointer) { c.pushAt(c.depth(), p) }

// pushAt is push for a caller that has read the depth d.
func (c *blockStack) pushAt(d uint32, p unsafe.Pointer) {
	*(*uintptr)(unsafe.Add(c.slots, uintptr(d)*unsafe.Sizeof(uintptr(0)))) = uintptr(p)
	c.pushes++
}

// pop removes and returns the top block; the caller has checked empty.
func (c *blockStack) pop() unsafe.Pointer { return c.popAt(c.depth()) }

// popAt is pop for a caller that has read the depth d (> 0). Passing it in
// saves the fast path a reload: after the store to pops the compiler
// cannot tell pushes is unchanged.
func (c *blockStack) popAt(d uint32) unsafe.Pointer {
	c.pops++
	return *(*unsafe.Pointer)(unsafe.Add(c.slots, uintptr(d-1)*unsafe.Sizeof(uintptr(0))))
}

// sliceHeader is the layout of a []byte, used to build a block's slice
// without unsafe.Slice's overflow checks, which hold by construction.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

func blockSlice(p unsafe.Pointer, n, size int) []byte {
	return *(*[]byte)(unsafe.Pointer(&sliceHeader{p, n, size}))
}

// ID returns the heap's index among its Allocator's heaps, from 0.
func (h *Heap) ID() int { return h.id }

func (h *Heap) tag(p unsafe.Pointer) uint64 { return uint64(uintptr(p)) ^ h.secret }

// Alloc returns a block of n bytes: len n, cap the class size. See the
// package doc for n <= 0 and for what a nil result means.
func (h *Heap) Alloc(n int) []byte {
	if uint(n) <= MaxTinySize {
		// The mask changes nothing (every entry is a tiny class); it lets
		// the compiler drop the bounds checks below.
		cls := tinyClassOf[(uint(n)+7)>>tinyStepShift] & (NumTinyClasses - 1)
		c := &h.tiny[cls]
		if d := c.depth(); d != 0 {
			p := c.popAt(d)
			*(*uint64)(p) = 0
			return blockSlice(p, n, 1<<(tinyMinShift+cls))
		}
	}
	return h.allocSlow(n)
}

// Free returns b's block. b must be a slice Alloc returned (any length, same
// start). Freeing another heap's block is legal. Anything else returns a
// *FreeError and changes nothing.
func (h *Heap) Free(b []byte) error {
	p := unsafe.Pointer(unsafe.SliceData(b))
	off := uintptr(p) - uintptr(h.arenaBase)
	if off < arenaReserve {
		// One load of p's slab-map entry tells whether p is in one of
		// this heap's tiny slabs (see slabEntry.key) and how far the slab
		// is carved. A block start below carvedEnd that holds no free tag is
		// a live block of this heap; anything else takes the slow path,
		// which validates in full.
		e := (*slabEntry)(unsafe.Add(h.slabs, off>>slabShift*unsafe.Sizeof(slabEntry{})))
		if cls := e.key.Load() - h.key; cls < NumTinyClasses {
			c := &h.tiny[cls]
			boff := uint32(off) & slabMask
			d := c.depth()
			if lim := c.limit.Load(); boff&uint32(c.mask) == 0 && boff < e.carvedEnd && d < lim {
				if tag := h.tag(p); *(*uint64)(p) != tag {
					*(*uint64)(p) = tag
					c.pushAt(d, p)
					return nil
				}
			}
		}
	}
	return h.freeSmall(p)
}

// Flush publishes the heap's counters, sends its pending remote frees to
// their owners and takes back the blocks others freed to it. In lean mode
// (HAKMEM_SS_MEM_LEAN=1) it also returns its cached blocks to their slabs,
// so superslabs left empty go back to the OS. Call it when a worker pauses
// or stops; Snapshot is exact once every heap has.
func (h *Heap) Flush() {
	h.flushPending()
	h.drainRemote()
	if h.a.cfg.SSMemLean {
		for c := range h.tiny {
			if !h.tiny[c].empty() {
				h.tinyFlush(c, 0)
			}
		}
		for pc := range h.v2cache {
			h.v2Flush(pc, 0)
		}
	}
	if statsCompiled {
		h.answer()
	}
}

// Release flushes the heap and hands it back to its Allocator, caches and
// slabs included, for a later NewHeap to reuse, so starting and stopping
// workers does not pile up idle heaps. The caller must not use h again;
// its counters stay in the Allocator's totals.
func (h *Heap) Release() {
	h.Flush()
	a := h.a
	a.mu.Lock()
	a.idle = append(a.idle, h)
	a.mu.Unlock()
}

// allocSlow is Alloc's slow path: it only dispatches by size. Each tier's
// function polls for a publish request, then counts the call; a call
// here, before the switch, would make every case spill h and n.
//
//go:noinline
func (h *Heap) allocSlow(n int) []byte {
	switch {
	case n < 0:
		return nil
	case n <= MaxTinySize:
		return h.tinyAlloc(n)
	case n <= MaxPoolSize:
		pc := int(poolClassOf[(n+1023)>>poolStepShift])
		if h.v2mask&(1<<pc) != 0 {
			return h.poolV2Alloc(pc, n)
		}
		return h.poolV1Alloc(pc, n)
	default:
		return h.largeAllocSlow(n)
	}
}

//go:noinline
func (h *Heap) largeAllocSlow(n int) []byte {
	if statsCompiled {
		h.poll()
		h.st.class[LargeClass].AllocCalls++
	}
	b := h.a.largeAlloc(h, n, LargeClass)
	if statsCompiled {
		// Every large block is its own mmap, a refill from the OS: the
		// large row has no fast path (FastMeasured).
		if b != nil {
			h.st.class[LargeClass].AllocRefill++
		} else {
			h.st.class[LargeClass].AllocRefillFail++
			h.st.class[LargeClass].AllocFallback++
		}
	}
	return b
}

// refillFallback serves a small class whose refill failed from the large
// tier, which maps memory outside the arena.
//
//go:noinline
func (h *Heap) refillFallback(cls, n int) []byte {
	if statsCompiled {
		h.st.class[cls].AllocFallback++
		h.st.path[PathTinyFallback]++
	}
	b := h.a.largeAlloc(h, classSize[cls], cls)
	if b == nil {
		return nil
	}
	return b[:n:classSize[cls]]
}

// freeSmall is Free's slow path: full validation, then the free by tier.
//
//go:noinline
func (h *Heap) freeSmall(p unsafe.Pointer) error {
	if p == nil {
		return nil
	}
	if statsCompiled {
		h.poll()
	}
	ss, off, inArena := h.ar.lookup(p)
	if !inArena {
		return h.a.largeFree(h, p)
	}
	if ss == nil {
		return h.invalidFree(Unknown, p, "no superslab is mapped there")
	}
	sl := &ss.slabs[(off>>slabShift)&(slabsPerSS-1)]
	cls := sl.class()
	if cls < 0 {
		return h.invalidFree(Unknown, p, "the slab there serves no class")
	}
	boff := off & slabMask
	idx, start := blockIndex(cls, boff)
	if !start || idx >= uint32(SlabSize/classSize[cls]) {
		return h.invalidFree(Misaligned, p, fmt.Sprintf("%d bytes into a %d-byte %s block", boff%uintptr(classSize[cls]), classSize[cls], ClassName(cls)))
	}
	if *(*uint64)(p) == h.tag(p) {
		return h.invalidFree(HeaderMissing, p, "the "+ClassName(cls)+" block is already free (double free)")
	}
	// Before the remote branch: a queued free of a block not yet carved
	// would become a free of a live block once the owner carves it.
	if uint32(boff) >= atomic.LoadUint32(&sl.ent.carvedEnd) {
		return h.invalidFree(HeaderMissing, p, "the "+ClassName(cls)+" block was never handed out")
	}
	if ss.owner != h {
		// The owner re-checks the block against its slab when it drains.
		*(*uint64)(p) = h.tag(p)
		if statsCompiled {
			h.st.class[cls].FreeCalls++
			h.st.class[cls].FreeRemote++
		}
		h.freeRemote(ss.owner, p)
		return nil
	}
	*(*uint64)(p) = h.tag(p)
	if cls < NumTinyClasses {
		c := &h.tiny[cls]
		if statsCompiled && c.limit.Load() != uint32(c.size) {
			// A request's trap that poll did not clear: it was armed
			// after the request it belongs to was answered.
			h.answer()
		}
		if !c.full() {
			// The one way a valid free of this heap's tiny block lands
			// here with room in its cache: a publish request trapped it
			// (see publish.go). It is the fast path's free, so it is
			// pushed as the fast path pushes and counts as a fast free,
			// not as a slow-path call.
			c.push(p)
			return nil
		}
		if statsCompiled {
			h.st.class[cls].FreeCalls++
			h.st.class[cls].FreeFallback++
		}
		h.tinyFlush(cls, c.capacity()/2)
		h.slowPush(cls, p)
		return nil
	}
	if statsCompiled {
		h.st.class[cls].FreeCalls++
	}
	h.poolFree(sl, cls, idx, p)
	return nil
}

// blockIndex returns the index of the block at slab offset off in class
// cls, and whether off is that block's first byte. The free paths check
// blocks this way, before reading the slab's owner-only fields.
func blockIndex(cls int, off uintptr) (uint32, bool) {
	if sh := classShift[cls]; sh != 0 {
		return uint32(off >> sh), off&(uintptr(1)<<sh-1) == 0
	}
	size := uintptr(classSize[cls])
	return uint32(off / size), off%size == 0
}

// takeBack returns a block another heap freed to h. The freeing heap
// validated and tagged it; h checks it against the slab it alone may read.
func (h *Heap) takeBack(p unsafe.Pointer) {
	ss, off, _ := h.ar.lookup(p)
	if ss == nil || ss.owner != h {
		h.invalidFree(Unknown, p, "a queued remote free no longer maps to this heap")
		return
	}
	sl := &ss.slabs[(off>>slabShift)&(slabsPerSS-1)]
	cls := sl.class()
	if cls < 0 {
		h.invalidFree(Unknown, p, "a queued remote free points into an idle slab")
		return
	}
	idx, _ := blockIndex(cls, off&slabMask)
	if idx*sl.size >= sl.ent.carvedEnd || sl.isFree(idx) {
		h.invalidFree(HeaderMissing, p, "a queued remote free is not a live block")
		return
	}
	switch {
	case cls < NumTinyClasses:
		if c := &h.tiny[cls]; !c.full() {
			h.slowPush(cls, p)
			return
		}
	case sl.v2:
		if c := &h.v2cache[cls-NumTinyClasses]; !c.full() {
			c.push(p)
			return
		}
	}
	h.returnBlock(sl, idx)
}

// invalidFree counts an invalid free and describes it.
//
//go:noinline
func (h *Heap) invalidFree(kind InvalidKind, p unsafe.Pointer, reason string) error {
	if statsCompiled {
		h.st.invalid[kind]++
		h.st.path[PathInvalidFree]++
	}
	return &FreeError{Kind: kind, Addr: uintptr(p), Reason: reason}
}
