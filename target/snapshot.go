package target

// Snapshot: a target's cumulative counters, read at one moment, shaped by
// its Schema. Counters is one flat class x counter matrix (row-major), so a
// snapshot is four slices however many classes and counters a target has.

import "time"

// Snapshot holds a target's counters at one moment.
type Snapshot struct {
	Counters []uint64 // class c's counter k at c*len(Schema.Counters)+k, cumulative
	Paths    []uint64 // hits per path, in Schema.Paths order, cumulative
	Invalid  []uint64 // invalid frees per kind, in Schema.Invalid order, cumulative
	Gauges   []uint64 // Schema.Gauges' values now (not cumulative)
	Ops      int64    // workload operations done, when the target knows; else 0
	Heaps    int      // heaps (threads with their own cache) the counters cover
	Proc     Proc     // the process's figures, read at the same moment
	// Unmeasured says why the target's counters are not measured (e.g. a
	// statically linked program the preload shim cannot enter); "" when
	// they are. Then Counters, Paths and Invalid are empty, not zeros, and
	// only Proc is shown.
	Unmeasured string
}

// Proc holds process-wide figures.
type Proc struct {
	RSSBytes  uint64        // resident set size (0 where unavailable)
	NumGC     uint32        // completed Go GC cycles (0 for a target that is not Go)
	LastPause time.Duration // the most recent GC pause
	HeapInUse uint64        // Go heap bytes in in-use spans
	CPU       time.Duration // user+system CPU time of a target in another process (0 otherwise)
	Threads   int           // threads of a target in another process (0 otherwise)
}

// At returns class c's counter k, for a schema of n counters per class.
func (s *Snapshot) At(c, k, n int) uint64 { return s.Counters[c*n+k] }

// Row returns class c's counters, for a schema of n counters per class.
func (s *Snapshot) Row(c, n int) []uint64 { return s.Counters[c*n : (c+1)*n] }

// InvalidTotal returns the invalid frees of every kind.
func (s *Snapshot) InvalidTotal() uint64 {
	var t uint64
	for _, v := range s.Invalid {
		t += v
	}
	return t
}

// Clone returns a copy of s that shares no memory with it.
func (s Snapshot) Clone() Snapshot {
	s.Counters = append([]uint64(nil), s.Counters...)
	s.Paths = append([]uint64(nil), s.Paths...)
	s.Invalid = append([]uint64(nil), s.Invalid...)
	s.Gauges = append([]uint64(nil), s.Gauges...)
	return s
}
