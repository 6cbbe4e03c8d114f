package sampler

// Sample, Proc and Rates: what one tick of the sampler produces. A Sample
// holds raw, cumulative counters; Rates are always derived from two Samples
// by RatesBetween, so a reader of a recording computes exactly what the live
// sampler computed. Owned by the sampler package; consumers only read these.

import (
	"time"

	"github.com/haktop/haktop/allocator"
)

// Sample is one observation of the allocator and the process.
type Sample struct {
	Seq     int           // 0, 1, 2, ... in the order samples were taken
	Elapsed time.Duration // since the sampler started
	// Epoch counts allocator restarts: counters and Ops start again from
	// zero at EpochStart (elapsed time) whenever Epoch changes.
	Epoch      int
	EpochStart time.Duration
	Ops        int64 // workload cycles so far in this epoch
	Snap       allocator.Snapshot
	Proc       Proc
	Rates      Rates // from the previous sample (or the epoch start) to this one
}

// Proc holds process-wide figures, read at the same moment as the counters.
type Proc struct {
	RSSBytes  uint64        // resident set size, from /proc/self/statm (0 where unavailable)
	NumGC     uint32        // completed Go GC cycles
	LastPause time.Duration // the most recent GC pause
	HeapInUse uint64        // Go heap bytes in in-use spans (runtime.MemStats.HeapInuse)
}

// Rates are per-second rates over the span between two samples.
type Rates struct {
	Span      time.Duration // the time the rates cover; 0 when they are all zero
	OpsPerSec float64
	Classes   [allocator.NumClasses]ClassRates
	Paths     [allocator.NumPaths]float64 // hits per second, by PathID
}

// ClassRates are one class's counter rates in events per second, plus the
// fast-hit ratio over the same span.
type ClassRates struct {
	Calls      float64 `json:"alloc_calls"`
	Fast       float64 `json:"alloc_fast"`
	Refill     float64 `json:"alloc_refill"`
	RefillFail float64 `json:"alloc_refill_fail"`
	Fallback   float64 `json:"alloc_fallback"`
	Free       float64 `json:"free_calls"`
	Remote     float64 `json:"free_remote"`
	// FastRatio is alloc_fast / alloc_calls over the span, from 0 to 1; it
	// is 0 when the class had no calls (check Calls to tell idle from cold).
	FastRatio float64 `json:"fast_ratio"`
}

// RatesBetween returns the rates from sample a to the later sample b. When
// the two lie in different counter epochs (the allocator restarted between
// them), or a is the zero Sample, the baseline is zero counters at
// b.EpochStart. A counter that went backwards within an epoch counts as
// zero events rather than wrapping around.
func RatesBetween(a, b Sample) Rates {
	var base Sample
	if a.Epoch == b.Epoch && a.Elapsed >= b.EpochStart {
		base = a
	} else {
		base = Sample{Elapsed: b.EpochStart}
	}
	span := b.Elapsed - base.Elapsed
	var r Rates
	if span <= 0 {
		return r
	}
	r.Span = span
	sec := span.Seconds()
	perSec := func(from, to uint64) float64 {
		if to <= from {
			return 0
		}
		return float64(to-from) / sec
	}
	if b.Ops > base.Ops {
		r.OpsPerSec = float64(b.Ops-base.Ops) / sec
	}
	for c := range r.Classes {
		x, y := &base.Snap.Classes[c].Counters, &b.Snap.Classes[c].Counters
		cr := &r.Classes[c]
		cr.Calls = perSec(x.AllocCalls, y.AllocCalls)
		cr.Fast = perSec(x.AllocFast, y.AllocFast)
		cr.Refill = perSec(x.AllocRefill, y.AllocRefill)
		cr.RefillFail = perSec(x.AllocRefillFail, y.AllocRefillFail)
		cr.Fallback = perSec(x.AllocFallback, y.AllocFallback)
		cr.Free = perSec(x.FreeCalls, y.FreeCalls)
		cr.Remote = perSec(x.FreeRemote, y.FreeRemote)
		if calls := delta(x.AllocCalls, y.AllocCalls); calls > 0 {
			cr.FastRatio = float64(delta(x.AllocFast, y.AllocFast)) / float64(calls)
		}
	}
	for p := range r.Paths {
		r.Paths[p] = perSec(base.Snap.Paths[p], b.Snap.Paths[p])
	}
	return r
}

// delta returns to-from, or 0 when the counter went backwards.
func delta(from, to uint64) uint64 {
	if to <= from {
		return 0
	}
	return to - from
}
