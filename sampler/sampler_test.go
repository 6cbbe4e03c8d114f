package sampler

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
)

// fakeCounters is a Source whose counters the test sets, and a clock it steps.
type fakeCounters struct {
	snap allocator.Snapshot
	ops  int64
	t    time.Time
}

func (f *fakeCounters) source() allocator.Snapshot { return f.snap }
func (f *fakeCounters) opsFn() int64               { return f.ops }
func (f *fakeCounters) now() time.Time             { return f.t }

// step advances the clock by d and adds calls allocs (fast of them fast)
// and frees to class c, and hits to path p.
func (f *fakeCounters) step(d time.Duration, c int, calls, fast, frees uint64, p allocator.PathID, hits uint64) {
	f.t = f.t.Add(d)
	k := &f.snap.Classes[c].Counters
	k.AllocCalls += calls
	k.AllocFast += fast
	k.AllocRefill += calls - fast
	k.FreeCalls += frees
	k.FreeFast += frees
	f.snap.Paths[p] += hits
	f.ops += int64(calls + frees)
}

func newFake(t *testing.T, opts Options) (*Sampler, *fakeCounters) {
	t.Helper()
	f := &fakeCounters{t: time.Unix(1_700_000_000, 0)}
	s, err := New(f.source, f.opsFn, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.now = f.now
	s.start = f.t
	return s, f
}

func TestNewRejectsBadOptions(t *testing.T) {
	src := func() allocator.Snapshot { return allocator.Snapshot{} }
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Interval: 9 * time.Millisecond}, "sampler: interval 9ms is not valid: want 10ms or more"},
		{Options{Interval: -time.Second}, "sampler: interval -1s is not valid: want 10ms or more"},
		{Options{History: -1}, "sampler: history -1 is not valid: want a positive number of samples"},
	} {
		_, err := New(src, nil, tc.opts)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v) = %v, want %q", tc.opts, err, tc.want)
		}
	}
	if _, err := New(nil, nil, Options{}); err == nil {
		t.Error("New(nil source) succeeded")
	}
	s, err := New(src, nil, Options{Interval: MinInterval})
	if err != nil || s.Interval() != MinInterval {
		t.Errorf("New at the minimum interval: %v, %v", s, err)
	}
	s, _ = New(src, nil, Options{})
	if s.Interval() != DefaultInterval || len(s.ring) != DefaultHistory {
		t.Errorf("defaults: interval %v history %d", s.Interval(), len(s.ring))
	}
}

func TestSampleRatesAndFastRatio(t *testing.T) {
	s, f := newFake(t, Options{})
	f.step(250*time.Millisecond, 3, 1000, 750, 500, allocator.PathTinyRefill, 250)
	a := s.SampleNow()
	// The first sample's baseline is zero counters at the start.
	if got := a.Rates.Classes[3]; got.Calls != 4000 || got.Fast != 3000 || got.Refill != 1000 || got.Free != 2000 || got.FastRatio != 0.75 {
		t.Errorf("first rates = %+v", got)
	}
	f.step(500*time.Millisecond, 3, 2000, 1000, 0, allocator.PathTinyRefill, 1000)
	b := s.SampleNow()
	r := b.Rates
	if r.Span != 500*time.Millisecond || r.OpsPerSec != 4000 || r.Classes[3].Calls != 4000 || r.Classes[3].Fast != 2000 || r.Classes[3].FastRatio != 0.5 || r.Classes[3].Free != 0 {
		t.Errorf("second rates = span %v ops %v class %+v", r.Span, r.OpsPerSec, r.Classes[3])
	}
	if r.Paths[allocator.PathTinyRefill] != 2000 {
		t.Errorf("path rate = %v, want 2000", r.Paths[allocator.PathTinyRefill])
	}
	if idle := r.Classes[0]; idle != (ClassRates{}) {
		t.Errorf("idle class rates = %+v, want zero", idle)
	}
	if b.Seq != 1 || b.Elapsed != 750*time.Millisecond || b.Ops != 3500 {
		t.Errorf("sample = seq %d elapsed %v ops %d", b.Seq, b.Elapsed, b.Ops)
	}
	if !reflect.DeepEqual(RatesBetween(a, b), b.Rates) {
		t.Error("RatesBetween does not recompute the sampler's rates")
	}
}

func TestRestartStartsANewEpoch(t *testing.T) {
	s, f := newFake(t, Options{})
	f.step(time.Second, 0, 100, 100, 0, allocator.PathTinyFast, 100)
	s.SampleNow()
	// The new allocator's counters start from zero, 200 ms after the last sample.
	g := &fakeCounters{t: f.t}
	f.t = f.t.Add(200 * time.Millisecond)
	epoch, at := s.Restart(g.source, g.opsFn)
	if epoch != 1 || at != 1200*time.Millisecond {
		t.Fatalf("Restart = %d at %v", epoch, at)
	}
	g.snap.Classes[0].AllocCalls = 40
	g.ops = 40
	f.t = f.t.Add(200 * time.Millisecond)
	b := s.SampleNow()
	if b.Epoch != 1 || b.EpochStart != 1200*time.Millisecond || b.Elapsed != 1400*time.Millisecond {
		t.Fatalf("sample after restart: epoch %d start %v elapsed %v", b.Epoch, b.EpochStart, b.Elapsed)
	}
	// 40 calls in the 200 ms since the restart, not a negative delta from 100.
	if b.Rates.Classes[0].Calls != 200 || b.Rates.OpsPerSec != 200 || b.Rates.Span != 200*time.Millisecond {
		t.Errorf("rates across restart = %+v ops %v span %v", b.Rates.Classes[0], b.Rates.OpsPerSec, b.Rates.Span)
	}
	tot := TotalsOf(s.History())
	if tot.Classes[0].AllocCalls != 140 || tot.Ops != 140 || tot.Paths[allocator.PathTinyFast] != 100 {
		t.Errorf("totals over epochs = calls %d ops %d", tot.Classes[0].AllocCalls, tot.Ops)
	}
}

func TestRatesBetweenNeverWraps(t *testing.T) {
	var a, b Sample
	a.Elapsed, b.Elapsed = time.Second, 2*time.Second
	a.Snap.Classes[1].AllocCalls = 50
	b.Snap.Classes[1].AllocCalls = 10 // went backwards within one epoch
	a.Ops, b.Ops = 9, 3
	r := RatesBetween(a, b)
	if r.Classes[1].Calls != 0 || r.OpsPerSec != 0 {
		t.Errorf("backwards counters gave %v calls/s, %v ops/s", r.Classes[1].Calls, r.OpsPerSec)
	}
	if r := RatesBetween(b, b); r.Span != 0 || r.Classes[1].Calls != 0 {
		t.Errorf("zero span gave %+v", r)
	}
}

func TestHistoryRingKeepsTheNewestInOrder(t *testing.T) {
	s, f := newFake(t, Options{History: 4})
	for i := 0; i < 3; i++ {
		f.step(10*time.Millisecond, 0, 1, 1, 0, 0, 0)
		s.SampleNow()
	}
	if h := s.History(); len(h) != 3 || h[0].Seq != 0 || h[2].Seq != 2 {
		t.Fatalf("partial history = %v", seqs(h))
	}
	for i := 0; i < 7; i++ {
		f.step(10*time.Millisecond, 0, 1, 1, 0, 0, 0)
		s.SampleNow()
	}
	if got := seqs(s.History()); !reflect.DeepEqual(got, []int{6, 7, 8, 9}) {
		t.Errorf("full history = %v, want [6 7 8 9]", got)
	}
}

func seqs(h []Sample) []int {
	out := make([]int, len(h))
	for i, s := range h {
		out[i] = s.Seq
	}
	return out
}

func TestSlowSubscriberDropsAndSinkMissesNothing(t *testing.T) {
	s, f := newFake(t, Options{})
	slow, cancelSlow := s.Subscribe(2)
	fast, cancelFast := s.Subscribe(100)
	var sunk []int
	remove := s.AddSink(func(x Sample) { sunk = append(sunk, x.Seq) })
	for i := 0; i < 10; i++ {
		f.step(10*time.Millisecond, 0, 1, 1, 0, 0, 0)
		s.SampleNow()
	}
	if s.Drops() != 8 {
		t.Errorf("Drops = %d, want 8 (10 samples, a buffer of 2)", s.Drops())
	}
	if len(fast) != 10 || len(slow) != 2 {
		t.Errorf("buffered: fast %d slow %d", len(fast), len(slow))
	}
	if first := <-slow; first.Seq != 0 {
		t.Errorf("slow subscriber's first sample is seq %d, want 0", first.Seq)
	}
	if len(sunk) != 10 || sunk[9] != 9 {
		t.Errorf("sink saw %v", sunk)
	}
	remove()
	remove() // idempotent
	cancelSlow()
	cancelSlow()
	f.step(10*time.Millisecond, 0, 1, 1, 0, 0, 0)
	s.SampleNow()
	if len(sunk) != 10 {
		t.Error("a removed sink was called")
	}
	if s.Drops() != 8 {
		t.Errorf("an unsubscribed channel counted drops: %d", s.Drops())
	}
	if _, ok := <-slow; !ok {
		t.Error("unsubscribed channel lost its buffered sample")
	}
	if _, ok := <-slow; ok {
		t.Error("unsubscribed channel is not closed")
	}
	cancelFast()
}

// TestSamplerOnAllocator checks exact totals: after Flush, a sample holds
// every allocation and free the heap made.
func TestSamplerOnAllocator(t *testing.T) {
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !a.Snapshot().StatsCompiled {
		t.Skip("counters compiled out (haktop_nostats)")
	}
	defer a.Close()
	h := a.NewHeap()
	var ops int64
	s, err := New(a.Snapshot, func() int64 { return ops }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	blocks := make([][]byte, 0, 3000)
	for i := 0; i < 3000; i++ {
		blocks = append(blocks, h.Alloc(64))
	}
	for _, b := range blocks[:1000] {
		if err := h.Free(b); err != nil {
			t.Fatal(err)
		}
	}
	big := h.Alloc(10 << 10) // P-class (8 KiB < n <= 16 KiB)
	ops = 4001
	h.Flush()
	smp := s.SampleNow()
	c64 := smp.Snap.Classes[3] // 64 B is C3
	if c64.Class != "C3" || c64.AllocCalls != 3000 || c64.FreeCalls != 1000 {
		t.Errorf("%s: alloc_calls %d free_calls %d, want 3000 and 1000", c64.Class, c64.AllocCalls, c64.FreeCalls)
	}
	tot := smp.Snap.Totals()
	if tot.AllocCalls != 3001 || tot.FreeCalls != 1000 || smp.Ops != 4001 {
		t.Errorf("totals: alloc_calls %d free_calls %d ops %d", tot.AllocCalls, tot.FreeCalls, smp.Ops)
	}
	if smp.Rates.Classes[3].Calls <= 0 || smp.Rates.Classes[3].FastRatio <= 0 || smp.Rates.Classes[3].FastRatio > 1 {
		t.Errorf("C3 rates = %+v", smp.Rates.Classes[3])
	}
	if smp.Proc.RSSBytes == 0 || smp.Proc.HeapInUse == 0 {
		t.Errorf("proc figures = %+v, want RSS and heap in use", smp.Proc)
	}
	h.Free(big)
	for _, b := range blocks[1000:] {
		h.Free(b)
	}
}

// TestRunTicksUntilCancelled checks Run's samples arrive in order with
// nothing lost to the sink; it asserts no timing.
func TestRunTicksUntilCancelled(t *testing.T) {
	var n int64
	s, err := New(func() allocator.Snapshot { return allocator.Snapshot{} }, func() int64 { n++; return n }, Options{Interval: MinInterval})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 1000)
	s.AddSink(func(x Sample) { got <- x.Seq })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	for i := 0; i < 3; i++ {
		if seq := <-got; seq != i {
			t.Fatalf("tick %d has seq %d", i, seq)
		}
	}
	cancel()
	<-done
	last := s.SampleNow()
	if h := s.History(); h[len(h)-1].Seq != last.Seq || len(h) != last.Seq+1 {
		t.Errorf("history ends at %d of %d, want the SampleNow after Run (%d)", h[len(h)-1].Seq, len(h), last.Seq)
	}
}

func TestCounterNamesMatchAllocatorTags(t *testing.T) {
	ty := reflect.TypeOf(allocator.Counters{})
	if ty.NumField() != numCounters {
		t.Fatalf("allocator.Counters has %d fields, the format names %d", ty.NumField(), numCounters)
	}
	var c allocator.Counters
	row := counterRow(&c)
	for i := 0; i < ty.NumField(); i++ {
		tag := strings.Split(ty.Field(i).Tag.Get("json"), ",")[0]
		if tag != counterNames[i] {
			t.Errorf("column %d is %q, allocator.Counters field %s is %q", i, counterNames[i], ty.Field(i).Name, tag)
		}
		*row[i] = uint64(i + 1)
		if got := reflect.ValueOf(c).Field(i).Uint(); got != uint64(i+1) {
			t.Errorf("counterRow[%d] does not address field %s", i, ty.Field(i).Name)
		}
	}
}
