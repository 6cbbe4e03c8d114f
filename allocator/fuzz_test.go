package allocator

// FuzzAllocFree and its model. Each execution builds its own Allocator (New
// and Close are cheap: see arena.go), so every input starts from a clean
// state, and runs the input's operations against a model of the live
// blocks: an address-ordered list of their extents, so a block that
// overlaps another live one fails the moment it is handed out. The first
// and last word of every live block carry a tag derived from its id,
// checked on free and at the end, so an allocator that writes into a live
// block (a free list through it, say) is caught too. The model's counts
// must then equal the Snapshot's exactly.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"testing"
	"unsafe"
)

// fuzzMaxOps bounds one execution: longer inputs are cut. Short inputs
// keep each execution, and above all the minimizing of each new
// interesting input (tens of executions per byte), fast; an op's repeat
// count gives them depth instead.
const fuzzMaxOps = 64

// fuzzSizes are the sizes an alloc's argument picks below 0x80: the
// boundaries of every tier.
var fuzzSizes = []int{0, 1, 8, 9, 63, 64, 500, 1024, 1025, 2048, 4096, 30000, 49152, 65536, 65537, 70000}

// fuzzConfig returns the gate settings the input's first byte selects.
func fuzzConfig(b byte) map[string]string {
	env := map[string]string{"HAKMEM_TINY_CACHE_CAP": "8", "HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_PAGES": "1"}
	if b&1 != 0 {
		env["HAKMEM_SS_MEM_LEAN"] = "1"
	}
	if b&2 != 0 {
		env["HAKMEM_POOL_V2_ENABLED"] = "0"
	}
	if b&4 != 0 {
		env["HAKMEM_TINY_CACHE_CAP"] = "64"
	}
	if b&8 != 0 {
		env["HAKMEM_SS_MAX"] = "2" // refills fail and fall back
	}
	if b&16 != 0 {
		env["HAKMEM_POOL_V2_PAGES"] = "64"
	}
	return env
}

// extent is one live block in the model.
type extent struct {
	start, end uintptr
	b          []byte
	id         uint32
}

// liveSet is the model: live blocks ordered by address.
type liveSet struct{ blocks []extent }

func (s *liveSet) search(p uintptr) int {
	return sort.Search(len(s.blocks), func(i int) bool { return s.blocks[i].start >= p })
}

// add inserts b, or reports the live block it overlaps.
func (s *liveSet) add(b []byte, id uint32) error {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	e := extent{p, p + uintptr(cap(b)), b, id}
	i := s.search(p)
	if i > 0 && s.blocks[i-1].end > e.start {
		return fmt.Errorf("block %d [%#x,%#x) overlaps live block %d [%#x,%#x)", id, e.start, e.end, s.blocks[i-1].id, s.blocks[i-1].start, s.blocks[i-1].end)
	}
	if i < len(s.blocks) && s.blocks[i].start < e.end {
		return fmt.Errorf("block %d [%#x,%#x) overlaps live block %d [%#x,%#x)", id, e.start, e.end, s.blocks[i].id, s.blocks[i].start, s.blocks[i].end)
	}
	s.blocks = append(s.blocks, extent{})
	copy(s.blocks[i+1:], s.blocks[i:])
	s.blocks[i] = e
	return nil
}

// remove drops the k-th live block by address order and returns it.
func (s *liveSet) remove(k int) extent {
	e := s.blocks[k]
	s.blocks = append(s.blocks[:k], s.blocks[k+1:]...)
	return e
}

// contains reports whether a live block starts at b's start.
func (s *liveSet) contains(b []byte) bool {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	i := s.search(p)
	return i < len(s.blocks) && s.blocks[i].start == p
}

func blockTag(id uint32, word int) uint64 { return uint64(id)*0x9E3779B97F4A7C15 + uint64(word) }

// tagBlock writes the id's tag into b's first word, where the allocator
// keeps its free tag and links, and into its last word while that is on
// the same page (touching one more page per block would make the fuzzer
// slower, not more sensitive).
func tagBlock(b []byte, id uint32) {
	b = b[:cap(b)]
	if tagsLast(b) {
		binary.LittleEndian.PutUint64(b[len(b)-8:], blockTag(id, 1))
	}
	binary.LittleEndian.PutUint64(b, blockTag(id, 0))
}

func tagsLast(b []byte) bool { return len(b) >= 16 && len(b) <= 4096 }

func checkTag(t *testing.T, e extent) {
	t.Helper()
	b := e.b[:cap(e.b)]
	if binary.LittleEndian.Uint64(b) != blockTag(e.id, 0) || tagsLast(b) && binary.LittleEndian.Uint64(b[len(b)-8:]) != blockTag(e.id, 1) {
		t.Fatalf("live block %d [%#x,%#x) was written by someone else", e.id, e.start, e.end)
	}
}

// FuzzAllocFree drives alloc, free, invalid free, Flush and Release over
// two heaps, under the gate settings the first byte picks, against the
// liveSet model. The seed corpus (and testdata/fuzz) runs in plain go test.
func FuzzAllocFree(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte("\x00\x10\x00\x20\x01\x00\x02\x00\x03\x00\x04\x05\x06\x07"))
	f.Add([]byte{0xff, 0x00, 0x80, 0x41, 0x13, 0x37, 0xca, 0xfe, 0x00, 0x00, 0x01, 0x01, 0x02, 0x02, 0x03, 0x03, 0x04, 0x04})
	for cfg := byte(0); cfg < 32; cfg += 9 {
		seq := []byte{cfg}
		for i := 0; i < fuzzMaxOps/2; i++ {
			seq = append(seq, byte(i*7), byte(i*13), byte(i>>2), byte(i*31))
		}
		f.Add(seq)
	}
	f.Fuzz(allocFreeOps)
}

// allocFreeOps runs one FuzzAllocFree input.
func allocFreeOps(t *testing.T, in []byte) {
	{
		if len(in) == 0 {
			return
		}
		a := newTestAllocator(t, fuzzConfig(in[0]))
		ops := in[1:]
		if len(ops) > 2*fuzzMaxOps {
			ops = ops[:2*fuzzMaxOps]
		}
		heaps := []*Heap{a.NewHeap(), a.NewHeap()}
		var model liveSet
		var freed [][]byte // recently freed blocks, for double frees while still free
		var nextID uint32
		var allocs, frees, invalid uint64
		// An op is two bytes: the first's bit 0 picks the heap, bits 1-3
		// the kind and bits 4-7 a repeat count for allocs and frees; the
		// second is the argument.
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], int(ops[i+1])
			hi := int(op & 1)
			h := heaps[hi]
			reps := 1 + int(op>>4) // 1 .. 16
			switch (op >> 1) % 8 {
			case 0, 1, 2: // alloc
				n := fuzzSizes[arg%len(fuzzSizes)]
				if arg&0x80 != 0 {
					n = (arg & 0x7f) * 613 // 0 .. 77851: every class and its neighbours
				}
				if n > MaxPoolSize {
					reps = 1 // an mmap each: keep executions fast
				}
				for range reps {
					b := h.Alloc(n)
					if len(b) != n || cap(b) < max(n, 8) {
						t.Fatalf("Alloc(%d) len %d cap %d", n, len(b), cap(b))
					}
					nextID++
					if err := model.add(b, nextID); err != nil {
						t.Fatal(err)
					}
					tagBlock(b, nextID)
					allocs++
				}
			case 3, 4: // free live blocks, from either heap
				for r := range reps {
					if len(model.blocks) == 0 {
						break
					}
					e := model.remove((arg + r*arg) % len(model.blocks))
					checkTag(t, e)
					if err := h.Free(e.b); err != nil {
						t.Fatalf("Free of live block %d: %v", e.id, err)
					}
					freed = append(freed, e.b)
					if len(freed) > 4 {
						freed = freed[1:]
					}
					frees++
				}
			case 5: // an invalid free
				var bad []byte
				switch arg % 4 {
				case 0:
					bad = make([]byte, 16)
				case 1: // a live block's interior
					if len(model.blocks) == 0 {
						continue
					}
					b := model.blocks[arg%len(model.blocks)].b
					bad = b[1:cap(b)]
				case 2: // a freed block not yet handed out again: a double free
					if len(freed) == 0 {
						continue
					}
					bad = freed[len(freed)-1]
					freed = freed[:len(freed)-1]
					if model.contains(bad) {
						continue
					}
				case 3: // inside the arena, most likely in no superslab
					bad = unsafe.Slice((*byte)(unsafe.Add(a.ar.base, (arg+5)*SuperslabSize+arg*8)), 8)
					// A reused arena (arena.go) may map that slot early,
					// from its free slots, and the address may then be a
					// live block's start, which Free rightly accepts
					// (testdata/fuzz/FuzzAllocFree/a4b65ef53bcce506,
					// found once earlier executions had filled the cache).
					if model.contains(bad) {
						continue
					}
				}
				var fe *FreeError
				if err := h.Free(bad); !errors.As(err, &fe) {
					t.Fatalf("invalid free (case %d) returned %v", arg%4, err)
				}
				invalid++
			case 6:
				h.Flush()
			case 7: // the worker stops; a new one takes a heap
				h.Release()
				heaps[hi] = a.NewHeap()
			}
		}
		for _, e := range model.blocks {
			checkTag(t, e)
			if err := heaps[0].Free(e.b); err != nil {
				t.Fatal(err)
			}
			frees++
		}
		// Twice: the first Flush sends remote frees, the second takes them back.
		for range 2 {
			for _, h := range heaps {
				h.Flush()
			}
		}
		s := a.Snapshot()
		checkInvariants(t, s)
		if statsCompiled {
			tot := s.Totals()
			if tot.AllocCalls != allocs || tot.FreeCalls != frees || s.Invalid.Total() != invalid {
				t.Fatalf("counted %d allocs %d frees %d invalid; model %d %d %d", tot.AllocCalls, tot.FreeCalls, s.Invalid.Total(), allocs, frees, invalid)
			}
		}
	}
}
