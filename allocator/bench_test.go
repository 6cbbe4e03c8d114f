package allocator

// Benchmarks, each against Go's own allocation (make) and a per-class
// sync.Pool in the same file so a ratio can be read from one run. The
// counter cost is read by running the same benchmarks with -tags
// haktop_nostats (see README: "Allocator benchmarks").

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// xorshift32 returns the state after x: the reference generator xs() of
// ../shared/bench/random_mixed.c. It takes and returns the state by value so
// the loops keep it in a register, as the C compiler does; through a pointer
// Go keeps it on the stack and every step pays a store and a reload.
func xorshift32(x uint32) uint32 {
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	return x
}

const rmSeed = 1234567

// rmWS is a variable, as ws is in random_mixed.c, so r % rmWS compiles to
// the same division the C loop does rather than a mask.
var rmWS uint32 = 8192

// BenchmarkRandomMixed runs the random_mixed.c loop: b.N cycles, one op each.
func BenchmarkRandomMixed(b *testing.B) {
	b.Run("haktop", func(b *testing.B) {
		a, h := benchHeap(b)
		slots := make([][]byte, rmWS)
		seed := uint32(rmSeed)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			seed = xorshift32(seed)
			r := seed
			idx := r % rmWS
			if s := slots[idx]; s != nil {
				h.Free(s)
				slots[idx] = nil
			} else {
				p := h.Alloc(int(16 + r&0x3FF))
				p[0] = byte(r)
				slots[idx] = p
			}
		}
		b.StopTimer()
		reportMemory(b, a, slots)
		for i, s := range slots {
			if s != nil {
				h.Free(s)
				slots[i] = nil
			}
		}
	})
	// haktop-addr is the loop to set beside the C allocators of
	// ../shared/bench/peers.sh: each slot holds one block address, as
	// random_mixed.c's slots hold a void*. The blocks are off the Go heap,
	// so a uintptr is the faithful slot: a *byte would make every slot
	// store pay a GC write-barrier check the C loop does not have (2% of
	// this loop's time, measured). Free needs only the block's start.
	b.Run("haktop-addr", func(b *testing.B) {
		_, h := benchHeap(b)
		slots := make([]uintptr, rmWS)
		seed := uint32(rmSeed)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			seed = xorshift32(seed)
			r := seed
			idx := r % rmWS
			if s := slots[idx]; s != 0 {
				h.Free(blockAt(s))
				slots[idx] = 0
			} else {
				p := h.Alloc(int(16 + r&0x3FF))
				p[0] = byte(r)
				slots[idx] = uintptr(unsafe.Pointer(&p[0]))
			}
		}
		b.StopTimer()
		for _, s := range slots {
			if s != 0 {
				h.Free(blockAt(s))
			}
		}
	})
	b.Run("make", func(b *testing.B) {
		slots := make([][]byte, rmWS)
		seed := uint32(rmSeed)
		for i := 0; i < b.N; i++ {
			seed = xorshift32(seed)
			r := seed
			idx := r % rmWS
			if slots[idx] != nil {
				slots[idx] = nil
			} else {
				p := make([]byte, 16+r&0x3FF)
				p[0] = byte(r)
				slots[idx] = p
			}
		}
	})
	b.Run("syncpool", func(b *testing.B) {
		var pools classPools
		slots := make([][]byte, rmWS)
		seed := uint32(rmSeed)
		for i := 0; i < b.N; i++ {
			seed = xorshift32(seed)
			r := seed
			idx := r % rmWS
			if s := slots[idx]; s != nil {
				pools.put(s)
				slots[idx] = nil
			} else {
				p := pools.get(int(16 + r&0x3FF))
				p[0] = byte(r)
				slots[idx] = p
			}
		}
	})
}

// blockAt returns a one-byte slice at block address s, for Free. The load
// through a *unsafe.Pointer turns the uintptr back into a pointer without
// the uintptr-to-Pointer conversion vet rightly flags for Go memory; the
// block is off the Go heap, where that concern does not apply. It builds
// the slice as blockSlice does: unsafe.Slice's nil and length checks would
// be instructions the C loop's free(slots[idx]) does not run.
func blockAt(s uintptr) []byte {
	return blockSlice(*(*unsafe.Pointer)(unsafe.Pointer(&s)), 1, 1)
}

func benchHeap(b *testing.B) (*Allocator, *Heap) {
	b.Helper()
	a, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a, a.NewHeap()
}

// classPools is the sync.Pool baseline: one pool per size class, holding
// *[]byte so Put does not allocate.
type classPools [NumTinyClasses + NumPoolClasses]sync.Pool

func classOf(n int) int {
	if n <= MaxTinySize {
		return int(tinyClassOf[(n+7)>>tinyStepShift])
	}
	return NumTinyClasses + int(poolClassOf[(n+1023)>>poolStepShift])
}

func (cp *classPools) get(n int) []byte {
	c := classOf(n)
	if v := cp[c].Get(); v != nil {
		return (*v.(*[]byte))[:n]
	}
	return make([]byte, n, classSize[c])
}

func (cp *classPools) put(b []byte) {
	b = b[:cap(b)]
	cp[classOf(cap(b))].Put(&b)
}

// reportMemory reports the live bytes in slots, the process RSS, and RSS
// over the target budget 2*live + 16 MiB (at most 1 is on target).
func reportMemory(b *testing.B, a *Allocator, slots [][]byte) {
	var live int
	for _, s := range slots {
		live += len(s)
	}
	rss := processRSS()
	b.ReportMetric(float64(live)/(1<<20), "live-MiB")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
	b.ReportMetric(float64(a.Snapshot().Memory.MappedBytes)/(1<<20), "mapped-MiB")
	b.ReportMetric(float64(rss)/float64(2*live+16<<20), "rss/budget")
}

func processRSS() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// BenchmarkTinyHot is a fixed 64-byte alloc and free: one op is the pair.
func BenchmarkTinyHot(b *testing.B) {
	b.Run("haktop", func(b *testing.B) {
		_, h := benchHeap(b)
		for i := 0; i < b.N; i++ {
			p := h.Alloc(64)
			p[0] = byte(i)
			h.Free(p)
		}
	})
	b.Run("make", func(b *testing.B) {
		var keep []byte
		for i := 0; i < b.N; i++ {
			p := make([]byte, 64)
			p[0] = byte(i)
			keep = p
		}
		_ = keep
	})
	b.Run("syncpool", func(b *testing.B) {
		var pools classPools
		for i := 0; i < b.N; i++ {
			p := pools.get(64)
			p[0] = byte(i)
			pools.put(p)
		}
	})
}

// BenchmarkPool is random_mixed over 2 KiB..64 KiB blocks and 1024 slots.
func BenchmarkPool(b *testing.B) {
	const ws = 1024
	size := func(r uint32) int { return 2048 + int(r%(62<<10+1)) }
	for _, v2 := range []string{"0", "1"} {
		b.Run("haktop/v2="+v2, func(b *testing.B) {
			a, err := New(mustConfig(b, map[string]string{"HAKMEM_POOL_V2_ENABLED": v2}))
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			h := a.NewHeap()
			slots := make([][]byte, ws)
			seed := uint32(rmSeed)
			for i := 0; i < b.N; i++ {
				seed = xorshift32(seed)
				r := seed
				if s := slots[r%ws]; s != nil {
					h.Free(s)
					slots[r%ws] = nil
				} else {
					p := h.Alloc(size(r))
					p[0] = byte(r)
					slots[r%ws] = p
				}
			}
		})
	}
	b.Run("make", func(b *testing.B) {
		slots := make([][]byte, ws)
		seed := uint32(rmSeed)
		for i := 0; i < b.N; i++ {
			seed = xorshift32(seed)
			r := seed
			if slots[r%ws] != nil {
				slots[r%ws] = nil
			} else {
				p := make([]byte, size(r))
				p[0] = byte(r)
				slots[r%ws] = p
			}
		}
	})
	b.Run("syncpool", func(b *testing.B) {
		var pools classPools
		slots := make([][]byte, ws)
		seed := uint32(rmSeed)
		for i := 0; i < b.N; i++ {
			seed = xorshift32(seed)
			r := seed
			if s := slots[r%ws]; s != nil {
				pools.put(s)
				slots[r%ws] = nil
			} else {
				p := pools.get(size(r))
				p[0] = byte(r)
				slots[r%ws] = p
			}
		}
	})
}

func mustConfig(b *testing.B, env map[string]string) Config {
	cfg, err := ConfigFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// BenchmarkCrossHeap has a producer allocate 64-byte blocks and a consumer
// on another goroutine free them, in batches of 256: one op is one block.
func BenchmarkCrossHeap(b *testing.B) {
	const batch = 256
	run := func(b *testing.B, alloc func() []byte, free func([]byte)) {
		ch := make(chan [][]byte, 8)
		done := make(chan struct{})
		go func() {
			for bs := range ch {
				for _, p := range bs {
					free(p)
				}
			}
			close(done)
		}()
		for i := 0; i < b.N; i += batch {
			bs := make([][]byte, batch)
			for j := range bs {
				bs[j] = alloc()
				bs[j][0] = byte(j)
			}
			ch <- bs
		}
		close(ch)
		<-done
	}
	b.Run("haktop", func(b *testing.B) {
		a, err := New(DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		defer a.Close()
		prod, cons := a.NewHeap(), a.NewHeap()
		run(b, func() []byte { return prod.Alloc(64) }, func(p []byte) { cons.Free(p) })
	})
	b.Run("make", func(b *testing.B) {
		run(b, func() []byte { return make([]byte, 64) }, func([]byte) {})
	})
	b.Run("syncpool", func(b *testing.B) {
		var pool sync.Pool
		run(b, func() []byte {
			if v := pool.Get(); v != nil {
				return *v.(*[]byte)
			}
			return make([]byte, 64)
		}, func(p []byte) { pool.Put(&p) })
	})
}
