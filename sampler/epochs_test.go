package sampler

import (
	"reflect"
	"testing"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// Epochs cuts at every restart, carries gates and workload across restarts
// that do not record them, applies a restart into an epoch without samples,
// and calls an epoch ended when another or the footer follows.
func TestEpochs(t *testing.T) {
	g0 := []target.Gate{{Env: "G", Value: "0"}}
	g1 := []target.Gate{{Env: "G", Value: "1"}}
	g3 := []target.Gate{{Env: "G", Value: "3"}}
	w0 := workload.DefaultSpec(workload.RandomMixed)
	w1 := workload.DefaultSpec(workload.MidPool)
	smp := func(epoch int, at time.Duration, start time.Duration) Sample {
		return Sample{Epoch: epoch, Elapsed: at * time.Millisecond, EpochStart: start * time.Millisecond}
	}
	rec := &Recording{
		Header: Header{Gates: g0, Workload: w0},
		Events: []Event{
			{Kind: EventRestart, Epoch: 1, Gates: g1, Workload: &w1},
			{Kind: EventRestart, Epoch: 2, Message: "workers 1 -> 3"},
			{Kind: EventRestart, Epoch: 3, Gates: g3, Message: "HAKMEM_X 1 -> 3"},
			{Kind: EventNote, Epoch: 4, Message: "no restart"},
		},
		Samples: []Sample{smp(0, 100, 0), smp(0, 200, 0), smp(1, 300, 250), smp(2, 400, 350), smp(2, 500, 350), smp(4, 700, 650)},
	}
	eps := rec.Epochs()
	w2 := w1
	w2.Workers = 3
	want := []struct {
		number, first, n int
		gate             string
		spec             workload.Spec
		covered          time.Duration
		ended            bool
	}{
		{0, 0, 2, "0", w0, 200 * time.Millisecond, true},
		{1, 2, 1, "1", w1, 50 * time.Millisecond, true},
		{2, 3, 2, "1", w2, 150 * time.Millisecond, true},
		{4, 5, 1, "3", w2, 50 * time.Millisecond, false}, // epoch 3 had no sample; its restart still counts
	}
	if len(eps) != len(want) {
		t.Fatalf("%d epochs, want %d: %+v", len(eps), len(want), eps)
	}
	for i, w := range want {
		ep := eps[i]
		if ep.Number != w.number || ep.First != w.first || len(ep.Samples) != w.n || ep.Gates[0].Value != w.gate ||
			ep.Workload != w.spec || !ep.Known || ep.Covered() != w.covered || ep.Ended != w.ended || !reflect.DeepEqual(ep.Last(), rec.Samples[w.first+w.n-1]) {
			t.Errorf("epoch %d: %+v (covered %v)", i, ep, ep.Covered())
		}
	}
	rec.Footer = &Footer{}
	if eps := rec.Epochs(); !eps[len(eps)-1].Ended {
		t.Error("the last epoch of a recording with a footer has not ended")
	}
}
