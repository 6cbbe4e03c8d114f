package sampler

// Summary condenses a recorded session into totals, mean and peak rates:
// what `haktop report` prints and `haktop diff` compares. It is computed
// from raw counters only, so it is the same whether the samples came live
// or from a file, and it is shaped by the session's schema like the samples.

import (
	"time"

	"github.com/haktop/haktop/target"
)

// Summary is a session's totals and rates.
type Summary struct {
	Samples int
	Epochs  int
	// Covered is the time the counters cover: for each epoch, from its
	// start to its last sample. Mean rates are Totals over Covered.
	Covered       time.Duration
	Totals        Totals  // shaped by the schema even for no sample (zeros)
	OpsPerSec     float64 // mean
	PeakOpsPerSec float64
	// Mean holds Totals over Covered; its FastRatio is each class's
	// session-wide fast/calls. Peak holds each rate's own maximum over the
	// sampling intervals (FastRatio's too). Both are shaped by the schema.
	Mean, Peak Rates
	PeakRSS    uint64
	GCs        uint32        // GC cycles from the first sample to the last
	MaxGCPause time.Duration // the longest last-pause any sample saw
}

// shapedRates returns zero Rates shaped by sc.
func shapedRates(sc *target.Schema) Rates {
	r := Rates{Counters: make([]float64, len(sc.Classes)*len(sc.Counters)), Paths: make([]float64, len(sc.Paths))}
	if sc.Has(target.RoleCalls) && sc.Has(target.RoleFast) {
		r.FastRatio = make([]float64, len(sc.Classes))
	}
	return r
}

// Summarize returns the summary of samples (in recorded order, with their
// Rates set, shaped by sc) taken every interval. Peaks consider only
// intervals at least half as long as interval, so the short span before a
// final sample cannot pose as a burst; interval 0 considers them all.
func Summarize(sc *target.Schema, samples []Sample, interval time.Duration) Summary {
	sum := Summary{Samples: len(samples), Mean: shapedRates(sc), Peak: shapedRates(sc)}
	sum.Totals = TotalsOf(samples)
	t := &sum.Totals
	t.Counters, t.Paths = zeroed(t.Counters, len(sc.Classes)*len(sc.Counters)), zeroed(t.Paths, len(sc.Paths))
	t.Invalid = zeroed(t.Invalid, len(sc.Invalid))
	if len(samples) == 0 {
		return sum
	}
	for i, s := range samples {
		if i == len(samples)-1 || samples[i+1].Epoch != s.Epoch { // the epoch's last sample
			sum.Epochs++
			sum.Covered += s.Elapsed - s.EpochStart
		}
		sum.PeakRSS = max(sum.PeakRSS, s.Snap.Proc.RSSBytes)
		sum.MaxGCPause = max(sum.MaxGCPause, s.Snap.Proc.LastPause)
	}
	if first, last := samples[0].Snap.Proc.NumGC, samples[len(samples)-1].Snap.Proc.NumGC; last > first {
		sum.GCs = last - first
	}
	if sec := sum.Covered.Seconds(); sec > 0 {
		sum.OpsPerSec = float64(t.Ops) / sec
		for i, n := range t.Counters {
			sum.Mean.Counters[i] = float64(n) / sec
		}
		for p, n := range t.Paths {
			sum.Mean.Paths[p] = float64(n) / sec
		}
		nk, calls, fast := len(sc.Counters), sc.CounterOf(target.RoleCalls), sc.CounterOf(target.RoleFast)
		for c := range sum.Mean.FastRatio {
			if n := t.Counters[c*nk+calls]; n > 0 {
				sum.Mean.FastRatio[c] = float64(t.Counters[c*nk+fast]) / float64(n)
			}
		}
	}
	long := false
	for _, s := range samples {
		long = long || s.Rates.Span >= interval/2
	}
	pk := &sum.Peak
	for _, s := range samples {
		r := &s.Rates
		if r.Span == 0 || (long && r.Span < interval/2) {
			continue
		}
		sum.PeakOpsPerSec = max(sum.PeakOpsPerSec, r.OpsPerSec)
		maxInto(pk.Counters, r.Counters)
		maxInto(pk.FastRatio, r.FastRatio)
		maxInto(pk.Paths, r.Paths)
	}
	return sum
}

// maxInto sets each peak[i] to the larger of it and v[i].
func maxInto(peak, v []float64) {
	if len(v) != len(peak) {
		return
	}
	for i, x := range v {
		peak[i] = max(peak[i], x)
	}
}
