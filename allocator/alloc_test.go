package allocator

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

func newTestAllocator(t testing.TB, env map[string]string) *Allocator {
	t.Helper()
	cfg, err := ConfigFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

// checkInvariants asserts the counter invariants of the package doc.
func checkInvariants(t *testing.T, s Snapshot) {
	t.Helper()
	if !statsCompiled {
		return
	}
	for _, c := range s.Classes {
		if c.AllocCalls != c.AllocFast+c.AllocRefill+c.AllocFallback {
			t.Errorf("%s: alloc_calls %d != fast %d + refill %d + fallback %d", c.Class, c.AllocCalls, c.AllocFast, c.AllocRefill, c.AllocFallback)
		}
		if c.AllocRefillFail > c.AllocFallback {
			t.Errorf("%s: alloc_refill_fail %d > alloc_fallback %d", c.Class, c.AllocRefillFail, c.AllocFallback)
		}
		if c.FreeCalls != c.FreeFast+c.FreeRemote+c.FreeFallback {
			t.Errorf("%s: free_calls %d != fast %d + remote %d + fallback %d", c.Class, c.FreeCalls, c.FreeFast, c.FreeRemote, c.FreeFallback)
		}
	}
	if got := s.Paths[PathInvalidFree]; got != s.Invalid.Total() {
		t.Errorf("invalid_free path hits %d != invalid frees %d", got, s.Invalid.Total())
	}
	tinyFastAgrees(t, s)
}

func TestClassTables(t *testing.T) {
	for n := 0; n <= MaxPoolSize; n++ {
		c := classOf(n)
		if classSize[c] < n {
			t.Fatalf("size %d -> class %s of %d bytes", n, ClassName(c), classSize[c])
		}
		if c > 0 && c != NumTinyClasses && classSize[c-1] >= n {
			t.Fatalf("size %d -> class %s, but %s (%d bytes) fits", n, ClassName(c), ClassName(c-1), classSize[c-1])
		}
	}
}

func TestAllocTiers(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	tests := []struct {
		n       int
		class   string
		wantCap int
	}{
		{0, "C0", 8}, {1, "C0", 8}, {8, "C0", 8}, {9, "C1", 16}, {16, "C1", 16}, {17, "C2", 32},
		{33, "C3", 64}, {100, "C4", 128}, {256, "C5", 256}, {257, "C6", 512}, {1000, "C7", 1024}, {1024, "C7", 1024},
		{1025, "P0", 2048}, {2048, "P0", 2048}, {4000, "P1", 4096}, {8192, "P2", 8192}, {10000, "P3", 16384},
		{20000, "P4", 32768}, {40000, "P5", 49152}, {65536, "P6", 65536},
		{65537, "L", 65537 + (int(pageSize)-65537%int(pageSize))%int(pageSize)}, {1 << 20, "L", 1 << 20},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			a := newTestAllocator(t, nil)
			h := a.NewHeap()
			const rounds = 3
			for i := 0; i < rounds; i++ {
				b := h.Alloc(tc.n)
				if len(b) != tc.n || cap(b) != tc.wantCap {
					t.Fatalf("Alloc(%d): len %d cap %d, want len %d cap %d", tc.n, len(b), cap(b), tc.n, tc.wantCap)
				}
				b = b[:cap(b)]
				for j := range b {
					b[j] = byte(j)
				}
				if err := h.Free(b); err != nil {
					t.Fatalf("Free: %v", err)
				}
			}
			h.Flush()
			s := a.Snapshot()
			checkInvariants(t, s)
			var row ClassStats
			for _, c := range s.Classes {
				if c.Class == tc.class {
					row = c
				} else if c.AllocCalls != 0 || c.FreeCalls != 0 {
					t.Errorf("class %s counted %d allocs, %d frees; want none", c.Class, c.AllocCalls, c.FreeCalls)
				}
			}
			if row.AllocCalls != rounds || row.FreeCalls != rounds {
				t.Errorf("%s: alloc_calls %d free_calls %d, want %d each", tc.class, row.AllocCalls, row.FreeCalls, rounds)
			}
		})
	}
}

func TestAllocNegative(t *testing.T) {
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	if b := h.Alloc(-1); b != nil {
		t.Fatalf("Alloc(-1) = len %d, want nil", len(b))
	}
	if err := h.Free(nil); err != nil {
		t.Fatalf("Free(nil) = %v, want nil", err)
	}
	h.Flush()
	if tot := a.Snapshot().Totals(); tot.AllocCalls != 0 || tot.FreeCalls != 0 {
		t.Fatalf("counted %+v for Alloc(-1) and Free(nil)", tot)
	}
}

// TestExactCounters checks every counter against a known sequence: the
// first alloc of a class refills, the rest of the batch is fast, and frees
// past the cache capacity flush.
func TestExactCounters(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	a := newTestAllocator(t, map[string]string{"HAKMEM_TINY_CACHE_CAP": "64"})
	h := a.NewHeap()
	const n = 200
	blocks := make([][]byte, n)
	for i := range blocks {
		blocks[i] = h.Alloc(64)
	}
	for _, b := range blocks {
		if err := h.Free(b); err != nil {
			t.Fatal(err)
		}
	}
	h.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
	c3 := s.Classes[3]
	// Each refill fills 32 blocks: 200 allocs = 7 refills (6 full batches, then 8 of the 7th) and 193 fast.
	want := Counters{AllocCalls: 200, AllocFast: 193, AllocRefill: 7, FreeCalls: 200}
	// Frees: 64 fit, the 65th flushes 32 (then fits), and so every 32 after: 1+ (200-65)/32 = 5 flushes.
	want.FreeFallback = 5
	want.FreeFast = 195
	if c3.Counters != want {
		t.Fatalf("C3 counters\n got %+v\nwant %+v", c3.Counters, want)
	}
	if s.Paths[PathTinyRefill] != 7 || s.Paths[PathTinyFlush] != 5 || s.Paths[PathTinyFast] != 193+195 {
		t.Fatalf("paths refill %d flush %d fast %d", s.Paths[PathTinyRefill], s.Paths[PathTinyFlush], s.Paths[PathTinyFast])
	}
	if s.Paths[PathSlowEntry] != 7+5 {
		t.Fatalf("slow entry hits %d, want 7 refilling allocs + 5 flushing frees", s.Paths[PathSlowEntry])
	}
	if s.Paths[PathSuperslabMap] != 1 || s.Memory.SuperslabsMapped != 1 {
		t.Fatalf("superslab maps %d mapped %d, want 1", s.Paths[PathSuperslabMap], s.Memory.SuperslabsMapped)
	}
}

func TestInvalidFrees(t *testing.T) {
	a := newTestAllocator(t, nil)
	h := a.NewHeap()
	other := newTestAllocator(t, nil).NewHeap()
	tiny := h.Alloc(64)
	pool := h.Alloc(5000)
	large := h.Alloc(100 << 10)
	foreign := other.Alloc(64)
	freed := h.Alloc(32)
	if err := h.Free(freed); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		b    []byte
		kind InvalidKind
	}{
		{"make", make([]byte, 64), OutOfRange},
		{"empty non-nil", []byte{}, OutOfRange},
		{"stack-ish array", new([16]byte)[:], OutOfRange},
		{"other allocator", foreign, OutOfRange},
		{"tiny interior", tiny[8:], Misaligned},
		{"tiny odd", tiny[1:], Misaligned},
		{"pool interior", pool[16:], Misaligned},
		{"large interior", large[4096:], Misaligned},
		{"double free", freed, HeaderMissing},
		{"unmapped arena", unsafe.Slice((*byte)(unsafe.Add(a.ar.base, 1000*SuperslabSize)), 8), Unknown},
		{"idle slab", unsafe.Slice((*byte)(unsafe.Add(a.ar.base, 31*SlabSize)), 8), Unknown},
		{"never handed out", unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(tiny)), 64*100)), 8), HeaderMissing},
	}
	for i, tc := range tests {
		err := h.Free(tc.b)
		var fe *FreeError
		if !errors.As(err, &fe) || fe.Kind != tc.kind {
			t.Errorf("%s: Free = %v, want a %s error", tc.name, err, tc.kind.Key())
		}
		h.Flush()
		if statsCompiled {
			if got := a.Snapshot().Invalid.Total(); got != uint64(i+1) {
				t.Errorf("%s: %d invalid frees counted, want %d", tc.name, got, i+1)
			}
		}
	}
	// None of that disturbed the live blocks.
	for _, b := range [][]byte{tiny, pool, large} {
		if err := h.Free(b); err != nil {
			t.Fatalf("valid free after invalid ones: %v", err)
		}
	}
	if err := h.Free(large); err == nil {
		t.Fatal("double free of a large block succeeded")
	}
	if err := other.Free(foreign); err != nil {
		t.Fatal(err)
	}
	h.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
	if statsCompiled {
		want := Invalid{HeaderMissing: 2, OutOfRange: 5, Misaligned: 4, Unknown: 2}
		if s.Invalid != want {
			t.Fatalf("invalid %+v, want %+v", s.Invalid, want)
		}
	}
}

// TestCrossHeapFrees has every heap free blocks the others allocated,
// concurrently; run it under -race.
func TestCrossHeapFrees(t *testing.T) {
	a := newTestAllocator(t, map[string]string{"HAKMEM_POOL_V2_ENABLED": "1"})
	const heaps, perHeap, rounds = 4, 3000, 3
	hs := make([]*Heap, heaps)
	for i := range hs {
		hs[i] = a.NewHeap()
	}
	sizes := []int{8, 24, 100, 700, 1024, 3000, 40000}
	// A reader snapshots throughout, as the sampler does, so -race sees
	// publish and Snapshot overlap.
	stop := make(chan struct{})
	snapped := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				snapped <- n
				return
			default:
				s := a.Snapshot()
				_ = s.Totals()
				n++
			}
		}
	}()
	for r := 0; r < rounds; r++ {
		// Each heap allocates; then heap i frees what heap i+1 allocated.
		blocks := make([][][]byte, heaps)
		var wg sync.WaitGroup
		for i := range hs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < perHeap; j++ {
					b := hs[i].Alloc(sizes[j%len(sizes)])
					b[0], b[len(b)-1] = byte(i), byte(j)
					blocks[i] = append(blocks[i], b)
				}
			}()
		}
		wg.Wait()
		errs := make(chan error, heaps)
		for i := range hs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				src := (i + 1) % heaps
				for j, b := range blocks[src] {
					if b[0] != byte(src) || b[len(b)-1] != byte(j) {
						errs <- fmt.Errorf("block %d of heap %d overwritten", j, src)
						return
					}
					if err := hs[i].Free(b); err != nil {
						errs <- err
						return
					}
				}
				hs[i].Flush()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	close(stop)
	if n := <-snapped; n == 0 {
		t.Fatal("the concurrent reader took no snapshot")
	}
	for _, h := range hs {
		h.Flush() // takes back what the others freed
	}
	s := a.Snapshot()
	checkInvariants(t, s)
	if statsCompiled {
		tot := s.Totals()
		if want := uint64(heaps * perHeap * rounds); tot.AllocCalls != want || tot.FreeCalls != want || tot.FreeRemote != want {
			t.Fatalf("totals %+v, want %d allocs, frees and remote frees", tot, want)
		}
		if s.Paths[PathRemoteDrain] == 0 || s.Paths[PathRemotePush] != uint64(heaps*perHeap*rounds) {
			t.Fatalf("remote push %d drain %d", s.Paths[PathRemotePush], s.Paths[PathRemoteDrain])
		}
	}
}

func TestPoolV2Fallback(t *testing.T) {
	if !statsCompiled {
		t.Skip("counters compiled out")
	}
	a := newTestAllocator(t, map[string]string{"HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_PAGES": "2", "HAKMEM_POOL_V2_CLASSES": "0x01"})
	h := a.NewHeap()
	// P0 pages hold 32 blocks: 2 pages serve 64, the rest fall back to v1.
	var blocks [][]byte
	for i := 0; i < 100; i++ {
		blocks = append(blocks, h.Alloc(2048))
	}
	blocks = append(blocks, h.Alloc(4096)) // P1 is not a v2 class
	for _, b := range blocks {
		if err := h.Free(b); err != nil {
			t.Fatal(err)
		}
	}
	h.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
	p0 := s.Classes[NumTinyClasses]
	if p0.AllocCalls != 100 || p0.AllocFallback != 36 || p0.AllocRefillFail != 36 || p0.AllocFast+p0.AllocRefill != 64 {
		t.Fatalf("P0 %+v: want 64 served by v2 and 36 fallbacks", p0.Counters)
	}
	if s.Paths[PathPoolV2Fallback] != 36 || s.Paths[PathPoolV2Alloc] != 100 || s.Paths[PathPoolV2Free] != 64 || s.Paths[PathPoolV1Free] != 37 {
		t.Fatalf("paths: v2 alloc %d fallback %d v2 free %d v1 free %d", s.Paths[PathPoolV2Alloc], s.Paths[PathPoolV2Fallback], s.Paths[PathPoolV2Free], s.Paths[PathPoolV1Free])
	}
	if p1 := s.Classes[NumTinyClasses+1]; p1.AllocCalls != 1 || p1.FreeFast != 1 {
		t.Fatalf("P1 %+v", p1.Counters)
	}
}

func TestRefillFailFallsBack(t *testing.T) {
	a := newTestAllocator(t, map[string]string{"HAKMEM_SS_MAX": "1"})
	h := a.NewHeap()
	// One superslab holds 32 slabs; ask for 33 classes' worth of slabs.
	var blocks [][]byte
	for i := 0; i < 40; i++ {
		b := h.Alloc(65536) // P6: one block per slab
		if b == nil {
			t.Fatal("Alloc returned nil")
		}
		blocks = append(blocks, b)
	}
	for _, b := range blocks {
		if err := h.Free(b); err != nil {
			t.Fatal(err)
		}
	}
	h.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
	if statsCompiled {
		p6 := s.Classes[LargeClass-1]
		if p6.AllocFallback != 8 || p6.AllocRefillFail != 8 || p6.FreeFallback != 8 || s.Paths[PathTinyFallback] != 8 {
			t.Fatalf("P6 %+v, fallback path %d: want 8 fallbacks", p6.Counters, s.Paths[PathTinyFallback])
		}
	}
	if m := s.Memory; m.LargeBlocks != 0 || m.SuperslabsMapped != 1 {
		t.Fatalf("memory %+v", m)
	}
}

func TestLeanUnmapsEmptySuperslabs(t *testing.T) {
	a := newTestAllocator(t, map[string]string{"HAKMEM_PROFILE": "lean"})
	if v, src := a.Config().Value("HAKMEM_SS_MEM_LEAN"); v != "1" || src != SourceProfile {
		t.Fatalf("lean profile: HAKMEM_SS_MEM_LEAN=%s from %s", v, src)
	}
	h := a.NewHeap()
	var blocks [][]byte
	for i := 0; i < 200; i++ { // 200 x 32 KiB pages: 7 superslabs
		blocks = append(blocks, h.Alloc(20000))
	}
	for _, b := range blocks {
		h.Free(b)
	}
	h.Flush()
	s := a.Snapshot()
	if s.Memory.SuperslabMaps < 4 || s.Memory.SuperslabsMapped != 0 || s.Memory.SuperslabUnmaps != s.Memory.SuperslabMaps {
		t.Fatalf("lean: %+v; want empty superslabs returned", s.Memory)
	}
	if statsCompiled && s.Paths[PathSuperslabUnmap] != s.Memory.SuperslabUnmaps {
		t.Fatalf("unmap path %d != unmaps %d", s.Paths[PathSuperslabUnmap], s.Memory.SuperslabUnmaps)
	}
	// The memory is reusable afterwards.
	b := h.Alloc(20000)
	b[0] = 1
	if err := h.Free(b); err != nil {
		t.Fatal(err)
	}
}

func TestPoolV2StatsAtClose(t *testing.T) {
	cfg, err := ConfigFrom(lookupMap(map[string]string{"HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_STATS": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	a.SetStatsOutput(&out)
	h := a.NewHeap()
	for i := 0; i < 3; i++ {
		h.Free(h.Alloc(3000))
	}
	h.Flush()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !statsCompiled {
		return
	}
	want := "[POOL_V2_STATS] P1 v2=true alloc_calls=3 alloc_fast=2 alloc_refill=1 alloc_refill_fail=0 alloc_fallback_v1=0 free_calls=3 free_fast=3 free_fallback_v1=0\n"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("stats output:\n%s\nwant a line:\n%s", out.String(), want)
	}
}

func TestReleaseReusesHeaps(t *testing.T) {
	a := newTestAllocator(t, nil)
	h1, h2 := a.NewHeap(), a.NewHeap()
	b := h1.Alloc(100)
	h1.Release()
	if h := a.NewHeap(); h != h1 {
		t.Fatal("NewHeap did not reuse the released heap")
	}
	if h3 := a.NewHeap(); h3 == h1 || h3 == h2 {
		t.Fatal("NewHeap handed out a heap in use")
	}
	// A block of the released heap is still valid, from any heap.
	if err := h2.Free(b); err != nil {
		t.Fatal(err)
	}
	h1.Flush()
	h2.Flush()
	s := a.Snapshot()
	checkInvariants(t, s)
	if s.Heaps != 3 {
		t.Fatalf("%d heaps, want 3", s.Heaps)
	}
	if statsCompiled && (s.Totals().AllocCalls != 1 || s.Totals().FreeRemote != 1) {
		t.Fatalf("totals %+v", s.Totals())
	}
}

// TestFreeOfCachedBlock frees blocks a refill put in a cache but Alloc never
// handed out, as a stale pointer into a reused slab would: each must be a
// double-free error, or the cache would hand the block out twice; and a
// block past the carved end, freed from another heap. The fuzzer found both
// through a lean superslab remapped in place (testdata/fuzz/FuzzAllocFree/
// lean-remap-cached-tiny and a3cbe88209b5caa6).
func TestFreeOfCachedBlock(t *testing.T) {
	a := newTestAllocator(t, map[string]string{"HAKMEM_POOL_V2_ENABLED": "1"})
	h, other := a.NewHeap(), a.NewHeap()
	for _, n := range []int{16, 2048} {
		b := h.Alloc(n) // a refill: the rest of the batch waits in the cache
		p := unsafe.Pointer(unsafe.SliceData(b))
		base := unsafe.Pointer(uintptr(p) &^ slabMask)
		cached := base
		if cached == p {
			cached = unsafe.Add(base, cap(b))
		}
		for _, freer := range []*Heap{h, other} {
			var fe *FreeError
			if err := freer.Free(unsafe.Slice((*byte)(cached), n)); !errors.As(err, &fe) || fe.Kind != HeaderMissing {
				t.Fatalf("Alloc(%d): heap %d freeing a cached block: %v, want a double free", n, freer.ID(), err)
			}
		}
		// Past the carved end, from the other heap: no later carve may
		// turn a queued free of it into a free of a live block.
		uncarved := unsafe.Slice((*byte)(unsafe.Add(base, SlabSize-cap(b))), n)
		var fe *FreeError
		if err := other.Free(uncarved); !errors.As(err, &fe) || fe.Kind != HeaderMissing {
			t.Fatalf("Alloc(%d): another heap freeing a block never handed out: %v, want an error", n, err)
		}
		if err := h.Free(b); err != nil {
			t.Fatal(err)
		}
	}
	// Every block still comes out once.
	seen := map[unsafe.Pointer]bool{}
	var held [][]byte
	for range 600 {
		for _, n := range []int{16, 2048} {
			b := h.Alloc(n)
			if p := unsafe.Pointer(unsafe.SliceData(b)); seen[p] {
				t.Fatalf("Alloc(%d) handed out %p twice", n, p)
			} else {
				seen[p] = true
			}
			held = append(held, b)
		}
	}
	for _, b := range held {
		if err := h.Free(b); err != nil {
			t.Fatal(err)
		}
	}
}
