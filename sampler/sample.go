package sampler

// Sample and Rates: what one tick of the sampler produces, in the shape of
// the target's Schema (any target: the embedded allocator, a command under
// the preload shim, a test's fake). A Sample holds raw, cumulative counters;
// Rates are always derived from two Samples by RatesBetween, so a reader of a
// recording computes exactly what the live sampler computed. Owned by the
// sampler package; consumers only read these.

import (
	"time"

	"github.com/haktop/haktop/target"
)

// Sample is one observation of a target and its process.
type Sample struct {
	Seq     int           // 0, 1, 2, ... in the order samples were taken
	Elapsed time.Duration // since the sampler started
	// Epoch counts target restarts: counters and ops start again from
	// zero at EpochStart (elapsed time) whenever Epoch changes.
	Epoch      int
	EpochStart time.Duration
	// Snap holds the counters, shaped by the sampler's (or the
	// recording's) Schema; Snap.Ops is the workload's operations so far in
	// this epoch and Snap.Proc the process figures read with them.
	Snap  target.Snapshot
	Rates Rates // from the previous sample (or the epoch start) to this one
}

// Rates are per-second rates over the span between two samples, shaped by
// the schema of the samples.
type Rates struct {
	Span      time.Duration // the time the rates cover; 0 when they are all zero
	OpsPerSec float64
	// Counters holds class c's counter k in events per second at
	// c*len(Schema.Counters)+k: Snapshot.Counters' layout.
	Counters []float64
	// FastRatio is each class's fast/calls over the span, from 0 to 1; it
	// is 0 for a class that made no calls (check its calls rate to tell
	// idle from cold). Nil when the schema lacks a calls or a fast counter:
	// a ratio that was never measured is not shown as 0.
	FastRatio []float64
	Paths     []float64 // hits per second, in Schema.Paths order
}

// Rate returns class c's counter k per second, for a schema of n counters
// per class; 0 for empty (zero) Rates, and for c or k < 0 (a class or
// counter the schema lacks).
func (r *Rates) Rate(c, k, n int) float64 {
	if i := c*n + k; c >= 0 && k >= 0 && i < len(r.Counters) {
		return r.Counters[i]
	}
	return 0
}

// Path returns path p's hits per second; 0 for empty (zero) Rates.
func (r *Rates) Path(p int) float64 {
	if p >= 0 && p < len(r.Paths) {
		return r.Paths[p]
	}
	return 0
}

// Fast returns class c's fast ratio and whether the schema measures one
// (false too for c < 0, a class the schema lacks).
func (r *Rates) Fast(c int) (float64, bool) {
	if c >= 0 && c < len(r.FastRatio) {
		return r.FastRatio[c], true
	}
	return 0, false
}

// RatesBetween returns the rates from sample a to the later sample b, both
// shaped by s. When the two lie in different counter epochs (the target
// restarted between them), or a is the zero Sample, the baseline is zero
// counters at b.EpochStart. A counter that went backwards within an epoch
// counts as zero events rather than wrapping around. The three rate slices
// share one allocation.
func RatesBetween(s *target.Schema, a, b Sample) Rates {
	var base Sample
	if a.Epoch == b.Epoch && a.Elapsed >= b.EpochStart {
		base = a
	} else {
		base = Sample{Elapsed: b.EpochStart}
	}
	span := b.Elapsed - base.Elapsed
	var r Rates
	if span <= 0 || !s.Fits(&b.Snap) {
		return r
	}
	r.Span = span
	sec := span.Seconds()
	if b.Snap.Ops > base.Snap.Ops {
		r.OpsPerSec = float64(b.Snap.Ops-base.Snap.Ops) / sec
	}
	nk, nc, np := len(s.Counters), len(s.Classes)*len(s.Counters), len(s.Paths)
	calls, fast := s.CounterOf(target.RoleCalls), s.CounterOf(target.RoleFast)
	nf := 0
	if calls >= 0 && fast >= 0 {
		nf = len(s.Classes)
	}
	buf := make([]float64, nc+nf+np)
	r.Counters, r.FastRatio, r.Paths = buf[:nc:nc], buf[nc:nc+nf:nc+nf], buf[nc+nf:]
	if nf == 0 {
		r.FastRatio = nil
	}
	from, to := base.Snap.Counters, b.Snap.Counters
	if len(from) != nc {
		from = nil // the epoch's zero baseline
	}
	for i, v := range to {
		var u uint64
		if from != nil {
			u = from[i]
		}
		if v > u {
			r.Counters[i] = float64(v-u) / sec
		}
	}
	for c := range nf {
		i, j := c*nk+calls, c*nk+fast
		var c0, f0 uint64
		if from != nil {
			c0, f0 = from[i], from[j]
		}
		if n := delta(c0, to[i]); n > 0 {
			r.FastRatio[c] = float64(delta(f0, to[j])) / float64(n)
		}
	}
	hf := base.Snap.Paths
	if len(hf) != np {
		hf = nil
	}
	for p, v := range b.Snap.Paths {
		var u uint64
		if hf != nil {
			u = hf[p]
		}
		if v > u {
			r.Paths[p] = float64(v-u) / sec
		}
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
