package allocator

// The heap's slab lists: which of its slabs have room for each class (avail),
// which serve no class (idle), and the moves between them. Owner-only.

import "unsafe"

// availKey returns the avail list a slab belongs on: its class, or for a
// hotbox v2 page a list of its own so v1 never takes v2's blocks.
func availKey(cls int, v2 bool) int {
	if v2 {
		return numSmall + cls - NumTinyClasses
	}
	return cls
}

func (h *Heap) availPush(sl *slab, key int) {
	sl.availIdx = len(h.avail[key])
	h.avail[key] = append(h.avail[key], sl)
}

func (h *Heap) availRemove(sl *slab, key int) {
	list := h.avail[key]
	i := sl.availIdx
	last := list[len(list)-1]
	list[i] = last
	last.availIdx = i
	h.avail[key] = list[:len(list)-1]
	sl.availIdx = -1
}

// newSlab assigns an idle slab, mapping a superslab if none is idle, to
// class cls and puts it on its avail list. It returns nil when no memory
// can be had.
func (h *Heap) newSlab(cls int, v2 bool) *slab {
	if len(h.idle) == 0 {
		ss, err := h.ar.mapSuperslab(h)
		if err != nil {
			return nil
		}
		if statsCompiled {
			h.st.path[PathSuperslabMap]++
		}
		for i := len(ss.slabs) - 1; i >= 0; i-- {
			h.idle = append(h.idle, &ss.slabs[i])
		}
	}
	sl := h.idle[len(h.idle)-1]
	h.idle = h.idle[:len(h.idle)-1]
	sl.ss.idle--
	sl.assign(cls, v2)
	if v2 {
		h.v2pages++
	}
	h.availPush(sl, availKey(cls, v2))
	return sl
}

// returnBlock puts block idx back in its slab, and releases the slab when
// it is empty and either its class has another slab with room or the heap
// is lean (then nothing empty is kept back from the OS).
func (h *Heap) returnBlock(sl *slab, idx uint32) {
	key := availKey(sl.class(), sl.v2)
	sl.put(idx)
	if sl.availIdx < 0 {
		h.availPush(sl, key)
	}
	if sl.empty() && (len(h.avail[key]) > 1 || h.a.cfg.SSMemLean) {
		h.releaseSlab(sl, key)
	}
}

// releaseSlab makes an empty slab idle. In lean mode a superslab whose
// slabs are all idle goes back to the OS.
func (h *Heap) releaseSlab(sl *slab, key int) {
	h.availRemove(sl, key)
	if sl.v2 {
		h.v2pages--
	}
	sl.release()
	h.idle = append(h.idle, sl)
	ss := sl.ss
	ss.idle++
	if ss.idle == slabsPerSS && h.a.cfg.SSMemLean {
		kept := h.idle[:0]
		for _, s := range h.idle {
			if s.ss != ss {
				kept = append(kept, s)
			}
		}
		clear(h.idle[len(kept):])
		h.idle = kept
		h.ar.unmapSuperslab(ss)
		if statsCompiled {
			h.st.path[PathSuperslabUnmap]++
		}
	}
}

// takeBlock returns a block of class cls from the avail list key, taking a
// new slab when the list is empty and grow allows. It reports whether a new
// slab was taken, and returns nil when none could be.
func (h *Heap) takeBlock(cls, key int, v2, grow bool) (p unsafe.Pointer, newSlab bool) {
	for {
		list := h.avail[key]
		if len(list) == 0 {
			if !grow || h.newSlab(cls, v2) == nil {
				return nil, newSlab
			}
			newSlab = true
			continue
		}
		sl := list[len(list)-1]
		if q := sl.take(); q != nil {
			if sl.full() {
				h.availRemove(sl, key)
			}
			return q, newSlab
		}
		h.availRemove(sl, key)
	}
}
