// Package allocator is an off-heap, size-class allocator shaped like hakmem:
// per-heap tiny caches over 2 MiB superslabs, a mid-size pool with an env-gated
// "hotbox v2" path, direct-mapped large blocks, and exact per-class counters.
//
// # Tiers
//
//	tiny   C0..C7   8 B .. 1 KiB   per-heap cache, refilled in batches from 64 KiB slabs
//	pool   P0..P6   2 KiB .. 64 KiB  v1 page lists, or the hotbox v2 cache (HAKMEM_POOL_V2_*)
//	large  L        > 64 KiB       one mmap per block
//
// Slabs are carved out of 2 MiB superslabs mapped inside one reserved address
// range, so finding a pointer's superslab and slab is a subtraction, a shift
// and a bounds check (see arena.go); Free's fast path reads one slab-map entry
// (slabmap.go). Memory is never owned by the Go GC and is not zeroed.
//
// # Ownership
//
// A Heap belongs to one goroutine at a time. Freeing another heap's block is
// legal: it is batched into the owner's RemoteQueue and the owner takes it
// back when it next refills. Snapshot may be called from any goroutine.
//
// # Counters
//
// Every class counts alloc_calls, alloc_fast, alloc_refill, alloc_refill_fail,
// alloc_fallback, free_calls, free_fast, free_remote and free_fallback; every
// path in the path registry counts hits; invalid frees count by kind. The
// invariants, which the tests check after every run:
//
//	alloc_calls = alloc_fast + alloc_refill + alloc_fallback   (per class)
//	alloc_refill_fail <= alloc_fallback                        (a failed refill falls back)
//	free_calls  = free_fast + free_remote + free_fallback      (valid frees only)
//	invalid frees = page_of_fail_header_missing + _out_of_range + _misaligned + _unknown
//	tiny_fast hits  = alloc_fast + free_fast over C0..C7       (the inline fast paths)
//	slow_entry hits = every other counted call, plus invalid frees
//
// A publish request's trapped Free (see publish.go) is a fast free, not a
// slow-path entry. The large row L has no fast path: every large block is
// its own mmap, an alloc_refill.
//
// The inline tiny fast paths write no counter: a class's fast allocs and
// frees are its cache's pop and push counts less the slow paths' (blockStack).
// The slow paths write plain counters into fields the heap owns. A heap
// publishes them into atomics when asked (see publish.go) and on Flush; the
// request reaches it through the tiny caches' limit word, which the fast
// path reads anyway, so counting costs the fast paths nothing and Snapshot
// never locks them. While Snapshot is being called, the Allocator asks every
// heap each millisecond, so a running heap's counters are about that old;
// a Snapshot is exact once every heap has called Flush. Building with the
// tag haktop_nostats compiles every counter write and the requests out.
//
// # Allocation semantics
//
// Alloc(n) returns a slice with len n and cap equal to the class size (for
// large blocks, n rounded up to the OS page size). Alloc(0) returns a
// zero-length slice over a C0 block, which must be freed like any other.
// Alloc(n) with n < 0 returns nil and counts nothing. Alloc returns nil only
// when the OS refuses memory.
//
// Free(nil) is a no-op. Freeing anything that is not the start of a live block
// handed out by this Allocator returns a *FreeError and changes no state.
package allocator

//go:generate go run mkclasses.go
