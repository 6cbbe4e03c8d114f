package sampler

// Summary condenses a recorded session into totals, mean and peak rates:
// what `haktop report` prints and `haktop diff` compares. It is computed
// from raw counters only, so it is the same whether the samples came live
// or from a file.

import (
	"time"

	"github.com/haktop/haktop/allocator"
)

// Summary is a session's totals and rates.
type Summary struct {
	Samples int
	Epochs  int
	// Covered is the time the counters cover: for each epoch, from its
	// start to its last sample. Mean rates are Totals over Covered.
	Covered       time.Duration
	Totals        Totals
	OpsPerSec     float64 // mean
	PeakOpsPerSec float64
	Classes       [allocator.NumClasses]ClassSummary
	Paths         [allocator.NumPaths]PathSummary
	PeakRSS       uint64
	GCs           uint32        // GC cycles from the first sample to the last
	MaxGCPause    time.Duration // the longest last-pause any sample saw
}

// ClassSummary is one class's mean and peak rates. Mean.FastRatio is the
// session's alloc_fast / alloc_calls; each Peak field is that rate's own
// maximum over the sampling intervals.
type ClassSummary struct {
	Mean ClassRates `json:"mean"`
	Peak ClassRates `json:"peak"`
}

// PathSummary is one path's hits and hit rates.
type PathSummary struct {
	Hits uint64  `json:"hits"`
	Mean float64 `json:"mean_per_sec"`
	Peak float64 `json:"peak_per_sec"`
}

// Summarize returns the summary of samples (in recorded order, with their
// Rates set) taken every interval. Peaks consider only intervals at least
// half as long as interval, so the short span before a final sample cannot
// pose as a burst; interval 0 considers them all.
func Summarize(samples []Sample, interval time.Duration) Summary {
	var sum Summary
	sum.Samples = len(samples)
	if len(samples) == 0 {
		return sum
	}
	sum.Totals = TotalsOf(samples)
	for i, s := range samples {
		if i == len(samples)-1 || samples[i+1].Epoch != s.Epoch { // the epoch's last sample
			sum.Epochs++
			sum.Covered += s.Elapsed - s.EpochStart
		}
		sum.PeakRSS = max(sum.PeakRSS, s.Proc.RSSBytes)
		sum.MaxGCPause = max(sum.MaxGCPause, s.Proc.LastPause)
	}
	if first, last := samples[0].Proc.NumGC, samples[len(samples)-1].Proc.NumGC; last > first {
		sum.GCs = last - first
	}
	t := &sum.Totals
	if sec := sum.Covered.Seconds(); sec > 0 {
		perSec := func(n uint64) float64 { return float64(n) / sec }
		sum.OpsPerSec = float64(t.Ops) / sec
		for c := range sum.Classes {
			k := &t.Classes[c]
			sum.Classes[c].Mean = ClassRates{
				Calls: perSec(k.AllocCalls), Fast: perSec(k.AllocFast), Refill: perSec(k.AllocRefill),
				RefillFail: perSec(k.AllocRefillFail), Fallback: perSec(k.AllocFallback),
				Free: perSec(k.FreeCalls), Remote: perSec(k.FreeRemote),
			}
			if k.AllocCalls > 0 {
				sum.Classes[c].Mean.FastRatio = float64(k.AllocFast) / float64(k.AllocCalls)
			}
		}
		for p := range sum.Paths {
			sum.Paths[p].Mean = perSec(t.Paths[p])
		}
	}
	for p := range sum.Paths {
		sum.Paths[p].Hits = t.Paths[p]
	}
	long := false
	for _, s := range samples {
		long = long || s.Rates.Span >= interval/2
	}
	for _, s := range samples {
		r := &s.Rates
		if r.Span == 0 || (long && r.Span < interval/2) {
			continue
		}
		sum.PeakOpsPerSec = max(sum.PeakOpsPerSec, r.OpsPerSec)
		for c := range sum.Classes {
			pk, x := &sum.Classes[c].Peak, &r.Classes[c]
			pk.Calls, pk.Fast, pk.Refill = max(pk.Calls, x.Calls), max(pk.Fast, x.Fast), max(pk.Refill, x.Refill)
			pk.RefillFail, pk.Fallback = max(pk.RefillFail, x.RefillFail), max(pk.Fallback, x.Fallback)
			pk.Free, pk.Remote, pk.FastRatio = max(pk.Free, x.Free), max(pk.Remote, x.Remote), max(pk.FastRatio, x.FastRatio)
		}
		for p := range sum.Paths {
			sum.Paths[p].Peak = max(sum.Paths[p].Peak, r.Paths[p])
		}
	}
	return sum
}
