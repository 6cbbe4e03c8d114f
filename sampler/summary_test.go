package sampler

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
)

func TestSummarize(t *testing.T) {
	w := writeSession(t, filepath.Join(t.TempDir(), "s.jsonl"))
	sum := Summarize(w.samples, 100*time.Millisecond)
	// Epoch 0 covers 0-600 ms, epoch 1 600-1200 ms.
	if sum.Samples != 12 || sum.Epochs != 2 || sum.Covered != 1200*time.Millisecond {
		t.Fatalf("samples %d epochs %d covered %v", sum.Samples, sum.Epochs, sum.Covered)
	}
	sec := sum.Covered.Seconds() // divide at run time, as Summarize does
	if want := float64(6684+40*66) / sec; sum.OpsPerSec != want {
		t.Errorf("mean ops/s = %v, want %v", sum.OpsPerSec, want)
	}
	// Class 3 saw one step: 307 calls (270 fast) in the 100 ms before sample 3.
	c3 := sum.Classes[3]
	if c3.Mean.Calls != 307/sec || c3.Peak.Calls != 3070 || c3.Mean.FastRatio != 270.0/307 || c3.Peak.FastRatio != 270.0/307 {
		t.Errorf("C3 = %+v", c3)
	}
	// Sample 11 is the peak: 100*11+7 calls plus 40*11 frees in 100 ms.
	if sum.PeakOpsPerSec != float64(1107+440)*10 {
		t.Errorf("peak ops/s = %v", sum.PeakOpsPerSec)
	}
	p := sum.Paths[allocator.PathID(11)]
	if p.Hits != 121 || p.Mean != 121/sec || p.Peak != 1210 {
		t.Errorf("path 11 = %+v", p)
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
	sum := Summarize(s.History(), 250*time.Millisecond)
	if sum.Classes[0].Peak.Calls != 4000 {
		t.Errorf("peak = %v calls/s, want 4000 (the 1 ms span ignored)", sum.Classes[0].Peak.Calls)
	}
	if sum.Totals.Classes[0].AllocCalls != 3100 || sum.Covered != 751*time.Millisecond {
		t.Errorf("totals %d over %v", sum.Totals.Classes[0].AllocCalls, sum.Covered)
	}
	if one := Summarize(s.History()[3:], 250*time.Millisecond); one.Classes[0].Peak.Calls == 0 {
		t.Error("with only short spans, none was used for the peak")
	}
	if empty := Summarize(nil, 0); empty.Samples != 0 || empty.OpsPerSec != 0 {
		t.Errorf("empty summary = %+v", empty)
	}
}
