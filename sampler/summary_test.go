package sampler

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/haktop/haktop/target"
)

func TestSummarize(t *testing.T) {
	w := writeSession(t, filepath.Join(t.TempDir(), "s.jsonl"))
	sum := Summarize(&emb, w.samples, 100*time.Millisecond)
	// Epoch 0 covers 0-600 ms, epoch 1 600-1200 ms.
	if sum.Samples != 12 || sum.Epochs != 2 || sum.Covered != 1200*time.Millisecond {
		t.Fatalf("samples %d epochs %d covered %v", sum.Samples, sum.Epochs, sum.Covered)
	}
	sec := sum.Covered.Seconds() // divide at run time, as Summarize does
	if want := float64(6684+40*66) / sec; sum.OpsPerSec != want {
		t.Errorf("mean ops/s = %v, want %v", sum.OpsPerSec, want)
	}
	// Class 3 saw one step: 307 calls (270 fast) in the 100 ms before sample 3.
	if m, pk := rate(sum.Mean, 3, target.RoleCalls), rate(sum.Peak, 3, target.RoleCalls); m != 307/sec || pk != 3070 ||
		sum.Mean.FastRatio[3] != 270.0/307 || sum.Peak.FastRatio[3] != 270.0/307 {
		t.Errorf("C3 = mean %v peak %v fast %v %v", m, pk, sum.Mean.FastRatio[3], sum.Peak.FastRatio[3])
	}
	// Sample 11 is the peak: 100*11+7 calls plus 40*11 frees in 100 ms.
	if sum.PeakOpsPerSec != float64(1107+440)*10 {
		t.Errorf("peak ops/s = %v", sum.PeakOpsPerSec)
	}
	if h, m, pk := sum.Totals.Paths[11], sum.Mean.Paths[11], sum.Peak.Paths[11]; h != 121 || m != 121/sec || pk != 1210 {
		t.Errorf("path 11 = %d hits, %v mean, %v peak", h, m, pk)
	}
}

// TestSummarizeIgnoresShortFinalSpanForPeaks checks that the short span
// before a final sample at stop does not become the peak.
func TestSummarizeIgnoresShortFinalSpanForPeaks(t *testing.T) {
	s, f := newFake(t, Options{})
	for i := 0; i < 3; i++ {
		f.step(250*time.Millisecond, 0, 1000, 1000, 0, 0, 0)
		s.SampleNow()
	}
	f.step(time.Millisecond, 0, 100, 100, 0, 0, 0) // 100k calls/s over 1 ms
	s.SampleNow()
	sum := Summarize(&emb, s.History(), 250*time.Millisecond)
	if pk := rate(sum.Peak, 0, target.RoleCalls); pk != 4000 {
		t.Errorf("peak = %v calls/s, want 4000 (the 1 ms span ignored)", pk)
	}
	if n := sum.Totals.Counters[col(target.RoleCalls)]; n != 3100 || sum.Covered != 751*time.Millisecond {
		t.Errorf("totals %d over %v", n, sum.Covered)
	}
	if one := Summarize(&emb, s.History()[3:], 250*time.Millisecond); rate(one.Peak, 0, target.RoleCalls) == 0 {
		t.Error("with only short spans, none was used for the peak")
	}
	if empty := Summarize(&emb, nil, 0); empty.Samples != 0 || empty.OpsPerSec != 0 {
		t.Errorf("empty summary = %+v", empty)
	}
}
