package allocator

import (
	"encoding/binary"
	"errors"
	"testing"
	"unsafe"
)

// FuzzAllocFree drives random alloc, free and invalid-free sequences over
// two heaps against a model of which blocks are live. Every live block is
// filled with a pattern derived from its id and checked on free, so two
// live blocks that overlapped would be caught. The seed corpus runs in
// plain go test.
func FuzzAllocFree(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte("\x00\x10\x00\x20\x01\x00\x02\x00\x03\x00\x04\x05\x06\x07"))
	f.Add([]byte{0xff, 0x00, 0x80, 0x41, 0x13, 0x37, 0xca, 0xfe, 0x00, 0x00, 0x01, 0x01, 0x02, 0x02, 0x03, 0x03, 0x04, 0x04})
	seq := make([]byte, 0, 4096)
	for i := 0; i < 1024; i++ {
		seq = append(seq, byte(i*7), byte(i*13), byte(i>>2), byte(i*31))
	}
	f.Add(seq)
	f.Fuzz(func(t *testing.T, ops []byte) {
		env := map[string]string{"HAKMEM_TINY_CACHE_CAP": "8", "HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_PAGES": "1"}
		a := newTestAllocator(t, env)
		heaps := []*Heap{a.NewHeap(), a.NewHeap()}
		var blocks []live
		var freed [][]byte // freed blocks, for double frees while still free
		var nextID uint32
		var allocs, frees, invalid uint64
		fill := func(b []byte, id uint32) {
			b = b[:cap(b)]
			for i := 0; i+4 <= len(b); i += 4 {
				binary.LittleEndian.PutUint32(b[i:], id*2654435761+uint32(i))
			}
		}
		check := func(b []byte, id uint32) {
			b = b[:cap(b)]
			for i := 0; i+4 <= len(b); i += 4 {
				if got := binary.LittleEndian.Uint32(b[i:]); got != id*2654435761+uint32(i) {
					t.Fatalf("block %d overwritten at byte %d", id, i)
				}
			}
		}
		sizes := []int{0, 1, 8, 9, 63, 64, 500, 1024, 1025, 2048, 4096, 30000, 49152, 65536, 70000}
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], int(ops[i+1])
			h := heaps[op&1]
			switch (op >> 1) % 6 {
			case 0, 1, 2: // alloc
				n := sizes[arg%len(sizes)]
				b := h.Alloc(n)
				if len(b) != n || cap(b) < n {
					t.Fatalf("Alloc(%d) len %d cap %d", n, len(b), cap(b))
				}
				nextID++
				fill(b, nextID)
				blocks = append(blocks, live{b, nextID})
				allocs++
			case 3, 4: // free a live block, from either heap
				if len(blocks) == 0 {
					continue
				}
				k := arg % len(blocks)
				blk := blocks[k]
				check(blk.b, blk.id)
				if err := h.Free(blk.b); err != nil {
					t.Fatalf("Free of live block %d: %v", blk.id, err)
				}
				blocks[k] = blocks[len(blocks)-1]
				blocks = blocks[:len(blocks)-1]
				freed = append(freed, blk.b)
				if len(freed) > 4 {
					freed = freed[1:]
				}
				frees++
			case 5: // an invalid free
				var bad []byte
				switch arg % 4 {
				case 0:
					bad = make([]byte, 16)
				case 1:
					if len(blocks) == 0 {
						continue
					}
					b := blocks[arg%len(blocks)].b
					bad = b[1:cap(b)]
				case 2:
					// A freed block not yet handed out again: a double free.
					if len(freed) == 0 {
						continue
					}
					bad = freed[len(freed)-1]
					freed = freed[:len(freed)-1]
					if stillFree := !reused(bad, blocks); !stillFree {
						continue
					}
				case 3:
					bad = unsafe.Slice((*byte)(unsafe.Add(a.ar.base, (arg+5)*SuperslabSize+arg*8)), 8)
				}
				var fe *FreeError
				if err := h.Free(bad); !errors.As(err, &fe) {
					t.Fatalf("invalid free (case %d) returned %v", arg%4, err)
				}
				invalid++
			}
		}
		for _, blk := range blocks {
			check(blk.b, blk.id)
			if err := heaps[0].Free(blk.b); err != nil {
				t.Fatal(err)
			}
			frees++
		}
		for _, h := range heaps {
			h.Flush()
		}
		for _, h := range heaps {
			h.Flush()
		}
		s := a.Snapshot()
		checkInvariants(t, s)
		if statsCompiled {
			tot := s.Totals()
			if tot.AllocCalls != allocs || tot.FreeCalls != frees || s.Invalid.Total() != invalid {
				t.Fatalf("counted %d allocs %d frees %d invalid; model %d %d %d", tot.AllocCalls, tot.FreeCalls, s.Invalid.Total(), allocs, frees, invalid)
			}
		}
	})
}

type live struct {
	b  []byte
	id uint32
}

// reused reports whether b's block has been handed out again.
func reused(b []byte, blocks []live) bool {
	for _, l := range blocks {
		if unsafe.SliceData(l.b) == unsafe.SliceData(b) {
			return true
		}
	}
	return false
}
