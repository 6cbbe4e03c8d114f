package allocator

// Counters: the heap-owned plain counters the hot paths write, the atomics
// they are published into, and the Snapshot that sums them. Only the owning
// heap writes heapStats; publish copies it into publishedStats with atomic
// stores (never a read-modify-write), and Snapshot reads those from any
// goroutine.

// Counters are one class's counts. See the package doc for their invariants.
type Counters struct {
	AllocCalls      uint64 `json:"alloc_calls"`
	AllocFast       uint64 `json:"alloc_fast"`
	AllocRefill     uint64 `json:"alloc_refill"`
	AllocRefillFail uint64 `json:"alloc_refill_fail"`
	AllocFallback   uint64 `json:"alloc_fallback"`
	FreeCalls       uint64 `json:"free_calls"`
	FreeFast        uint64 `json:"free_fast"`
	FreeRemote      uint64 `json:"free_remote"`
	FreeFallback    uint64 `json:"free_fallback"`
}

const numCounters = 9

func (c *Counters) array() *[numCounters]uint64 { return (*[numCounters]uint64)(unsafePointer(c)) }

// Add adds o to c.
func (c *Counters) Add(o Counters) {
	a, b := c.array(), o.array()
	for i := range a {
		a[i] += b[i]
	}
}

// InvalidKind classifies an invalid free, as the seed's page_of_fail_* counters do.
type InvalidKind int

const (
	HeaderMissing InvalidKind = iota // not a live block: double free, or never handed out
	OutOfRange                       // outside every range this allocator maps
	Misaligned                       // inside a block but not at its start
	Unknown                          // inside the arena where no slab is in use
	numInvalidKinds
)

var invalidKeys = [numInvalidKinds]string{"page_of_fail_header_missing", "page_of_fail_out_of_range", "page_of_fail_misaligned", "page_of_fail_unknown"}

// Key returns the counter name, e.g. "page_of_fail_misaligned".
func (k InvalidKind) Key() string { return invalidKeys[k] }

// Invalid counts invalid frees by kind.
type Invalid struct {
	HeaderMissing uint64 `json:"page_of_fail_header_missing"`
	OutOfRange    uint64 `json:"page_of_fail_out_of_range"`
	Misaligned    uint64 `json:"page_of_fail_misaligned"`
	Unknown       uint64 `json:"page_of_fail_unknown"`
}

// Total returns the number of invalid frees of every kind.
func (v Invalid) Total() uint64 { return v.HeaderMissing + v.OutOfRange + v.Misaligned + v.Unknown }

// Class rows: the tiny classes, the pool classes, then the large tier.
const (
	LargeClass = NumTinyClasses + NumPoolClasses // the row counting large blocks
	NumClasses = LargeClass + 1
	numSmall   = LargeClass
)

// ClassName returns "C0".."C7", "P0".."P6" or "L".
func ClassName(c int) string {
	switch {
	case c < NumTinyClasses:
		return "C" + string(rune('0'+c))
	case c < LargeClass:
		return "P" + string(rune('0'+c-NumTinyClasses))
	}
	return "L"
}

// ClassSize returns the block size of class c; for the large row, whose
// blocks are each request rounded up to whole pages, the smallest request
// it serves (MaxPoolSize+1).
func ClassSize(c int) int {
	if c < numSmall {
		return classSize[c]
	}
	return MaxPoolSize + 1
}

// FastMeasured reports whether class c has a fast path, so that its
// alloc_fast / alloc_calls ratio means something. The large row has none:
// every large block is its own mmap, counted as alloc_refill.
func FastMeasured(c int) bool { return c != LargeClass }

// Tier returns "tiny", "pool" or "large".
func Tier(c int) string {
	switch {
	case c < NumTinyClasses:
		return "tiny"
	case c < LargeClass:
		return "pool"
	}
	return "large"
}

// heapStats is written only by its heap, with plain stores, and only by
// the slow paths: the inline tiny fast paths write no counter. A tiny
// class's fast allocs are its cache's pops less slowPop, its fast frees the
// pushes less slowPush (see blockStack); each stands for both a call and a
// fast hit. publish folds them into class, which holds what the slow paths
// count.
type heapStats struct {
	slowPush [NumTinyClasses]uint64 // tiny cache pushes by slow paths
	slowPop  [NumTinyClasses]uint64 // tiny cache pops by slow paths
	class    [NumClasses]Counters
	path     [NumPaths]uint64 // slow paths; the tiny fast path's hits are derived in publish
	invalid  [numInvalidKinds]uint64
}

// ClassStats is one class row of a Snapshot.
type ClassStats struct {
	Class string `json:"class"`
	Size  int    `json:"size"`
	Tier  string `json:"tier"`
	Counters
}

// MemoryStats describes what the allocator holds from the OS.
type MemoryStats struct {
	SuperslabsMapped uint64 `json:"superslabs_mapped"` // mapped now
	SuperslabsPeak   uint64 `json:"superslabs_peak"`
	SuperslabMaps    uint64 `json:"superslab_maps"`   // map calls so far
	SuperslabUnmaps  uint64 `json:"superslab_unmaps"` // unmap calls so far
	LargeBlocks      uint64 `json:"large_blocks"`     // live large blocks
	LargeBytes       uint64 `json:"large_bytes"`
	MappedBytes      uint64 `json:"mapped_bytes"` // superslabs plus large blocks
}

// StatsCompiled is false under the haktop_nostats build tag: every counter
// stays 0 (Snapshot.StatsCompiled says the same of one snapshot).
const StatsCompiled = statsCompiled

// Snapshot is a consistent-per-counter copy of every heap's published counters.
type Snapshot struct {
	Classes       [NumClasses]ClassStats `json:"classes"`
	Paths         [NumPaths]uint64       `json:"paths"` // hits, by PathID
	Invalid       Invalid                `json:"invalid"`
	Memory        MemoryStats            `json:"memory"`
	Heaps         int                    `json:"heaps"`
	StatsCompiled bool                   `json:"stats_compiled"`
}

// Totals returns the sum over every class row.
func (s Snapshot) Totals() Counters {
	var t Counters
	for i := range s.Classes {
		t.Add(s.Classes[i].Counters)
	}
	return t
}

// Snapshot returns every heap's published counters. It is safe from any
// goroutine while heaps run and never waits for them: while Snapshot is
// being called, the Allocator asks every heap to publish each
// publishPeriod (1 ms), so a running heap's counters are about that old
// (longer if the scheduler keeps it off a CPU). A heap that has called
// Flush and not run since is exact, so once every heap has, so is the
// Snapshot.
func (a *Allocator) Snapshot() Snapshot {
	a.mu.Lock()
	heaps := a.heaps
	a.noteRead()
	a.mu.Unlock()
	return a.snapshotOf(heaps)
}

// HeapSnapshot returns heap id's counters (see Heap.ID), as Snapshot does,
// and false when there is no such heap. Memory figures are the whole
// allocator's.
func (a *Allocator) HeapSnapshot(id int) (Snapshot, bool) {
	a.mu.Lock()
	heaps := a.heaps
	a.noteRead()
	a.mu.Unlock()
	if id < 0 || id >= len(heaps) {
		return Snapshot{}, false
	}
	return a.snapshotOf(heaps[id : id+1]), true
}

func (a *Allocator) snapshotOf(heaps []*Heap) Snapshot {
	var s Snapshot
	for c := range s.Classes {
		s.Classes[c] = ClassStats{Class: ClassName(c), Size: ClassSize(c), Tier: Tier(c)}
	}
	s.StatsCompiled = statsCompiled
	s.Heaps = len(heaps)
	inv := (*[numInvalidKinds]uint64)(unsafePointer(&s.Invalid))
	for _, h := range heaps {
		for c := range s.Classes {
			dst := s.Classes[c].Counters.array()
			for i := range dst {
				dst[i] += h.pub.class[c][i].Load()
			}
		}
		for i := range s.Paths {
			s.Paths[i] += h.pub.path[i].Load()
		}
		for i := range inv {
			inv[i] += h.pub.invalid[i].Load()
		}
	}
	s.Memory = a.memoryStats()
	return s
}
