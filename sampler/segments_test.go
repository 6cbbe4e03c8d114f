package sampler

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// TestSegmentsSplitWhereTheWorkloadChanged records three epochs: a gate
// toggle (same workload) and then one worker more. The first two epochs are
// one segment, summed; the third is its own.
func TestSegmentsSplitWhereTheWorkloadChanged(t *testing.T) {
	for _, withWorkload := range []bool{true, false} {
		s, f := newFake(t, Options{})
		path := filepath.Join(t.TempDir(), "s.jsonl")
		h := testHeader()
		rec, err := Create(path, h)
		if err != nil {
			t.Fatal(err)
		}
		s.AddSink(func(x Sample) { rec.Record(x) })
		two := h.Workload
		two.Workers = 2
		restart := func(msg string, spec workload.Spec) {
			f.snap, f.ops = emb.NewSnapshot(), 0
			epoch, at := s.Restart(emb, f.source, f.opsFn)
			ev := Event{Elapsed: at, Kind: EventRestart, Epoch: epoch, Message: msg, Gates: h.Gates}
			if withWorkload {
				ev.Workload = &spec
			}
			rec.Event(ev)
		}
		f.step(100*time.Millisecond, 7, 10, 10, 10, allocator.PathTinyFast, 20)
		s.SampleNow()
		restart("HAKMEM_SS_MEM_LEAN 0 -> 1", h.Workload)
		f.step(100*time.Millisecond, 7, 30, 30, 30, allocator.PathTinyFast, 60)
		s.SampleNow()
		restart("workers 1 -> 2", two)
		f.step(100*time.Millisecond, 3, 500, 500, 500, allocator.PathTinyFast, 1000)
		s.SampleNow()
		if err := rec.Close(Footer{Reason: "quit"}); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		segs := SegmentsOf(got)
		// Without recorded workloads (older recordings) the restarts'
		// messages tell the same story.
		if len(segs) != 2 {
			t.Fatalf("%d segments, want 2", len(segs))
		}
		a, b := segs[0], segs[1]
		if a.Workload != h.Workload || !a.Known || a.FirstEpoch != 0 || a.LastEpoch != 1 || a.Start != 0 || a.End != 200*time.Millisecond ||
			calls(a.Summary, 7) != 40 || calls(a.Summary, 3) != 0 {
			t.Errorf("first segment: %s, known %v, epochs %d-%d, %v-%v, C7 %d, C3 %d allocs; want %s, epochs 0-1, 0s-200ms, 40 and 0",
				a.Workload.Name, a.Known, a.FirstEpoch, a.LastEpoch, a.Start, a.End,
				calls(a.Summary, 7), calls(a.Summary, 3), h.Workload.Name)
		}
		if b.Workload != two || b.FirstEpoch != 2 || b.LastEpoch != 2 || b.Start != 200*time.Millisecond || b.End != 300*time.Millisecond ||
			calls(b.Summary, 3) != 500 || calls(b.Summary, 7) != 0 || rate(b.Summary.Mean, 3, target.RoleCalls) != 5000 {
			t.Errorf("second segment: %d workers, epochs %d-%d, %v-%v, C3 %d (%v/s), C7 %d allocs",
				b.Workload.Workers, b.FirstEpoch, b.LastEpoch, b.Start, b.End, calls(b.Summary, 3),
				rate(b.Summary.Mean, 3, target.RoleCalls), calls(b.Summary, 7))
		}
		if ev := got.Events[1]; withWorkload && (ev.Workload == nil || *ev.Workload != two) {
			t.Errorf("the restart event's workload did not round-trip: %+v", ev.Workload)
		}
	}
}

// TestLegacyRestart reads the workload after a restart that did not
// record it from the live view's message, or says it is unknown.
func TestLegacyRestart(t *testing.T) {
	one := workload.DefaultSpec(workload.RandomMixed)
	two := one
	two.Workers = 2
	unknown := one
	unknown.Name = "unknown"
	for _, tc := range []struct {
		msg   string
		want  workload.Spec
		known bool
	}{
		{"HAKMEM_POOL_V2_ENABLED 0 -> 1", one, true},
		{"workers 1 -> 2", two, true},
		{"workers 3 -> 4", unknown, false}, // not from this workload's count: cannot tell
		{"workload random_mixed -> tiny_hot", unknown, false},
		{"", unknown, false},
	} {
		if got, known := legacyRestart(one, true, tc.msg); got != tc.want || known != tc.known {
			t.Errorf("%q: %s with %d workers, known %v; want %s with %d, %v", tc.msg, got.Name, got.Workers, known, tc.want.Name, tc.want.Workers, tc.known)
		}
	}
}

// calls returns class c's alloc_calls total in sum, of the embedded shape.
func calls(sum Summary, c int) uint64 {
	return sum.Totals.Counters[c*len(emb.Counters)+col(target.RoleCalls)]
}
