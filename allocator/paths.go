package allocator

// The path registry: every distinct code path of the allocator, with a
// stable ID, a human name and the Go functions that implement it alone
// (the gates that guard each are in gates.go). profile/ attributes CPU
// samples to paths by these function names, so each function is marked
// //go:noinline or is small enough that pprof reports it as an inline frame
// of its caller, and runs only on its own path: code every call runs
// (EntryFuncs) is named apart.

import "reflect"

// PathID identifies a code path. IDs are stable: recordings store them.
type PathID int

const (
	PathTinyFast       PathID = iota // tiny alloc from / free to the heap's cache
	PathTinyRefill                   // tiny cache empty: refill a batch from slabs
	PathTinyFallback                 // tiny or pool refill failed: serve from the large tier
	PathTinyFlush                    // tiny cache full: return half to the slabs
	PathSuperslabMap                 // map a 2 MiB superslab from the OS
	PathSuperslabUnmap               // return an empty superslab to the OS (lean)
	PathRemotePush                   // free of another heap's block: batch it for the owner
	PathRemoteDrain                  // owner takes back blocks other heaps freed
	PathPoolV1Alloc                  // pool alloc from the v1 page lists
	PathPoolV1Free                   // pool free to a v1 page
	PathPoolV2Alloc                  // pool alloc through the hotbox v2 cache
	PathPoolV2Free                   // pool free into the hotbox v2 cache
	PathPoolV2Fallback               // hotbox v2 page budget spent: serve from v1
	PathLargeMap                     // large alloc: one mmap
	PathLargeUnmap                   // large free: one munmap
	PathInvalidFree                  // free of something that is not a live block
	PathSlowEntry                    // Alloc or Free missed the inline tiny fast path: size dispatch and validation
	NumPaths
)

// Path describes one code path.
type Path struct {
	ID    PathID
	Key   string   // stable machine name, e.g. "pool_v2_alloc"
	Name  string   // human name, e.g. "pool v2 alloc"
	Funcs []string // fully qualified Go functions, as pprof names them
}

// PkgPath is this package's import path, as pprof prefixes its functions
// ("github.com/haktop/haktop/allocator.(*Heap).Alloc"); the compiler owns it.
var PkgPath = reflect.TypeFor[Allocator]().PkgPath()

func fn(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = PkgPath + "." + n
	}
	return out
}

// Paths is the allocator's path registry, indexed by PathID.
var Paths = [NumPaths]Path{
	{PathTinyFast, "tiny_fast", "tiny fast", nil}, // inlined into Alloc and Free: see EntryFuncs
	{PathTinyRefill, "tiny_refill", "tiny refill", fn("(*Heap).tinyRefill")},
	{PathTinyFallback, "tiny_fallback", "tiny refill fail/fallback", fn("(*Heap).refillFallback")},
	{PathTinyFlush, "tiny_flush", "tiny cache flush", fn("(*Heap).tinyFlush")},
	{PathSuperslabMap, "superslab_map", "superslab map", fn("(*arena).mapSuperslab")},
	{PathSuperslabUnmap, "superslab_unmap", "superslab unmap", fn("(*arena).unmapSuperslab")},
	{PathRemotePush, "remote_push", "remote push", fn("(*Heap).freeRemote", "(*RemoteQueue).push")},
	{PathRemoteDrain, "remote_drain", "remote drain", fn("(*Heap).drainQueue")},
	{PathPoolV1Alloc, "pool_v1_alloc", "pool v1 alloc", fn("(*Heap).poolV1Alloc")},
	{PathPoolV1Free, "pool_v1_free", "pool v1 free", fn("(*Heap).poolV1Free")},
	{PathPoolV2Alloc, "pool_v2_alloc", "pool v2 alloc", fn("(*Heap).poolV2Alloc")},
	{PathPoolV2Free, "pool_v2_free", "pool v2 free", fn("(*Heap).poolV2Free")},
	{PathPoolV2Fallback, "pool_v2_fallback", "pool v2 fallback", fn("(*Heap).poolV2Fallback")},
	{PathLargeMap, "large_map", "large map", fn("(*Allocator).largeAlloc")},
	{PathLargeUnmap, "large_unmap", "large unmap", fn("(*Allocator).largeFree")},
	{PathInvalidFree, "invalid_free", "invalid free", fn("(*Heap).invalidFree")},
	{PathSlowEntry, "slow_entry", "slow-path entry", fn("(*Heap).tinyAlloc", "(*Heap).largeAllocSlow")},
}

// EntryFuncs are the allocator's shared entry code: Alloc and Free, which
// every call of every size enters (the tiny fast paths are inlined into
// them, among the size and range checks all other calls run too), and the
// size dispatch and validation behind them. Their code belongs to no one
// path, so profile/ gives their CPU samples a row of their own
// ("dispatch") rather than to any path.
var EntryFuncs = fn("(*Heap).Alloc", "(*Heap).Free", "(*Heap).allocSlow", "(*Heap).freeSmall")

func (p PathID) String() string {
	if p < 0 || p >= NumPaths {
		return "unknown"
	}
	return Paths[p].Key
}

// PathByKey returns the path whose Key is key.
func PathByKey(key string) (Path, bool) {
	for _, p := range Paths {
		if p.Key == key {
			return p, true
		}
	}
	return Path{}, false
}
