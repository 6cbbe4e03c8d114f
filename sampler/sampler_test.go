package sampler

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/targettest"
)

// emb is the embedded allocator's schema, the shape of most test samples.
var emb = embedded.DefaultSchema()

// col returns the embedded schema's column of role r.
func col(r target.Role) int { return emb.CounterOf(r) }

// cnt returns class c's counter of role r in snap, of the embedded shape.
func cnt(snap target.Snapshot, c int, r target.Role) uint64 {
	return snap.Counters[c*len(emb.Counters)+col(r)]
}

// rate returns class c's rate of the counter of role r, of the embedded shape.
func rate(r Rates, c int, role target.Role) float64 { return r.Rate(c, col(role), len(emb.Counters)) }

// fakeCounters is a Source whose counters the test sets, and a clock it steps.
type fakeCounters struct {
	snap target.Snapshot
	ops  int64
	t    time.Time
}

func newCounters(t time.Time) *fakeCounters { return &fakeCounters{snap: emb.NewSnapshot(), t: t} }

func (f *fakeCounters) source() target.Snapshot { return f.snap.Clone() }
func (f *fakeCounters) opsFn() int64            { return f.ops }
func (f *fakeCounters) now() time.Time          { return f.t }

// add adds n to class c's counter of role r.
func (f *fakeCounters) add(c int, r target.Role, n uint64) {
	f.snap.Counters[c*len(emb.Counters)+col(r)] += n
}

// step advances the clock by d and adds calls allocs (fast of them fast)
// and frees to class c, and hits to path p.
func (f *fakeCounters) step(d time.Duration, c int, calls, fast, frees uint64, p allocator.PathID, hits uint64) {
	f.t = f.t.Add(d)
	f.add(c, target.RoleCalls, calls)
	f.add(c, target.RoleFast, fast)
	f.add(c, target.RoleRefill, calls-fast)
	f.add(c, target.RoleFree, frees)
	f.add(c, target.RoleFreeFast, frees)
	f.snap.Paths[p] += hits
	f.ops += int64(calls + frees)
}

func newFake(t *testing.T, opts Options) (*Sampler, *fakeCounters) {
	t.Helper()
	f := newCounters(time.Unix(1_700_000_000, 0))
	opts.InProcess = true // the process's figures, as for the embedded allocator
	s, err := New(emb, f.source, f.opsFn, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.now = f.now
	s.start = f.t
	return s, f
}

func TestNewRejectsBadOptions(t *testing.T) {
	src := func() target.Snapshot { return emb.NewSnapshot() }
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Interval: 9 * time.Millisecond}, "sampler: interval 9ms is not valid: want 10ms or more"},
		{Options{Interval: -time.Second}, "sampler: interval -1s is not valid: want 10ms or more"},
		{Options{History: -1}, "sampler: history -1 is not valid: want a positive number of samples"},
	} {
		_, err := New(emb, src, nil, tc.opts)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v) = %v, want %q", tc.opts, err, tc.want)
		}
	}
	if _, err := New(emb, nil, nil, Options{}); err == nil {
		t.Error("New(nil source) succeeded")
	}
	s, err := New(emb, src, nil, Options{Interval: MinInterval})
	if err != nil || s.Interval() != MinInterval {
		t.Errorf("New at the minimum interval: %v, %v", s, err)
	}
	s, _ = New(emb, src, nil, Options{})
	if s.Interval() != DefaultInterval || len(s.ring) != DefaultHistory {
		t.Errorf("defaults: interval %v history %d", s.Interval(), len(s.ring))
	}
}

func TestSampleRatesAndFastRatio(t *testing.T) {
	s, f := newFake(t, Options{})
	f.step(250*time.Millisecond, 3, 1000, 750, 500, allocator.PathTinyRefill, 250)
	a := s.SampleNow()
	// The first sample's baseline is zero counters at the start.
	if r := a.Rates; rate(r, 3, target.RoleCalls) != 4000 || rate(r, 3, target.RoleFast) != 3000 || rate(r, 3, target.RoleRefill) != 1000 ||
		rate(r, 3, target.RoleFree) != 2000 || r.FastRatio[3] != 0.75 {
		t.Errorf("first rates = %v fast %v", r.Counters[3*9:4*9], r.FastRatio[3])
	}
	f.step(500*time.Millisecond, 3, 2000, 1000, 0, allocator.PathTinyRefill, 1000)
	b := s.SampleNow()
	r := b.Rates
	if r.Span != 500*time.Millisecond || r.OpsPerSec != 4000 || rate(r, 3, target.RoleCalls) != 4000 || rate(r, 3, target.RoleFast) != 2000 ||
		r.FastRatio[3] != 0.5 || rate(r, 3, target.RoleFree) != 0 {
		t.Errorf("second rates = span %v ops %v class %v fast %v", r.Span, r.OpsPerSec, r.Counters[3*9:4*9], r.FastRatio[3])
	}
	if r.Paths[allocator.PathTinyRefill] != 2000 {
		t.Errorf("path rate = %v, want 2000", r.Paths[allocator.PathTinyRefill])
	}
	if idle := r.Counters[:9]; !reflect.DeepEqual(idle, make([]float64, 9)) || r.FastRatio[0] != 0 {
		t.Errorf("idle class rates = %v, fast %v, want zero", idle, r.FastRatio[0])
	}
	if b.Seq != 1 || b.Elapsed != 750*time.Millisecond || b.Snap.Ops != 3500 {
		t.Errorf("sample = seq %d elapsed %v ops %d", b.Seq, b.Elapsed, b.Snap.Ops)
	}
	if !reflect.DeepEqual(RatesBetween(&emb, a, b), b.Rates) {
		t.Error("RatesBetween does not recompute the sampler's rates")
	}
}

func TestRestartStartsANewEpoch(t *testing.T) {
	s, f := newFake(t, Options{})
	f.step(time.Second, 0, 100, 100, 0, allocator.PathTinyFast, 100)
	s.SampleNow()
	// The new allocator's counters start from zero, 200 ms after the last sample.
	g := newCounters(f.t)
	f.t = f.t.Add(200 * time.Millisecond)
	epoch, at := s.Restart(emb, g.source, g.opsFn)
	if epoch != 1 || at != 1200*time.Millisecond {
		t.Fatalf("Restart = %d at %v", epoch, at)
	}
	g.add(0, target.RoleCalls, 40)
	g.ops = 40
	f.t = f.t.Add(200 * time.Millisecond)
	b := s.SampleNow()
	if b.Epoch != 1 || b.EpochStart != 1200*time.Millisecond || b.Elapsed != 1400*time.Millisecond {
		t.Fatalf("sample after restart: epoch %d start %v elapsed %v", b.Epoch, b.EpochStart, b.Elapsed)
	}
	// 40 calls in the 200 ms since the restart, not a negative delta from 100.
	if rate(b.Rates, 0, target.RoleCalls) != 200 || b.Rates.OpsPerSec != 200 || b.Rates.Span != 200*time.Millisecond {
		t.Errorf("rates across restart = %v ops %v span %v", b.Rates.Counters[:9], b.Rates.OpsPerSec, b.Rates.Span)
	}
	tot := TotalsOf(s.History())
	if tot.Counters[col(target.RoleCalls)] != 140 || tot.Ops != 140 || tot.Paths[allocator.PathTinyFast] != 100 {
		t.Errorf("totals over epochs = calls %d ops %d", tot.Counters[col(target.RoleCalls)], tot.Ops)
	}
}

func TestRatesBetweenNeverWraps(t *testing.T) {
	a, b := Sample{Snap: emb.NewSnapshot()}, Sample{Snap: emb.NewSnapshot()}
	a.Elapsed, b.Elapsed = time.Second, 2*time.Second
	a.Snap.Counters[9+col(target.RoleCalls)] = 50
	b.Snap.Counters[9+col(target.RoleCalls)] = 10 // went backwards within one epoch
	a.Snap.Ops, b.Snap.Ops = 9, 3
	r := RatesBetween(&emb, a, b)
	if rate(r, 1, target.RoleCalls) != 0 || r.OpsPerSec != 0 || r.FastRatio[1] != 0 {
		t.Errorf("backwards counters gave %v calls/s, %v ops/s", rate(r, 1, target.RoleCalls), r.OpsPerSec)
	}
	if r := RatesBetween(&emb, b, b); r.Span != 0 || r.Counters != nil {
		t.Errorf("zero span gave %+v", r)
	}
}

// TestRatesOfTheFakeTarget samples the fake target (3 classes, 2 counters,
// no fast counter) and checks its exact rates: nothing assumes the
// embedded allocator's shape, and a ratio it cannot measure is absent.
func TestRatesOfTheFakeTarget(t *testing.T) {
	sc := targettest.Schema("1")
	tick := 0
	clock := time.Unix(1_700_000_000, 0)
	s, err := New(sc, func() target.Snapshot { return targettest.Snapshot(&sc, tick, true) }, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.now, s.start = func() time.Time { return clock }, clock
	for tick = 1; tick <= 3; tick++ {
		clock = clock.Add(500 * time.Millisecond)
		s.SampleNow()
	}
	h := s.History()
	r := h[2].Rates
	// Per tick (half a second) class c makes (c+1)*1000 mallocs and frees.
	want := []float64{2000, 2000, 4000, 4000, 6000, 6000}
	if !reflect.DeepEqual(r.Counters, want) || r.FastRatio != nil {
		t.Errorf("rates %v fast %v, want %v and no fast ratio", r.Counters, r.FastRatio, want)
	}
	if !reflect.DeepEqual(r.Paths, []float64{6000, 4000}) || r.OpsPerSec != 24000 || h[2].Snap.Ops != 36000 {
		t.Errorf("paths %v ops/s %v ops %d", r.Paths, r.OpsPerSec, h[2].Snap.Ops)
	}
	if h[2].Snap.Proc != (target.Proc{}) {
		t.Errorf("a target in another process got this process's figures: %+v", h[2].Snap.Proc)
	}
	tot := TotalsOf(h)
	if !reflect.DeepEqual(tot.Counters, []uint64{3000, 3000, 6000, 6000, 9000, 9000}) || !reflect.DeepEqual(tot.Paths, []uint64{9000, 6000}) {
		t.Errorf("totals %+v", tot)
	}
	if math.IsNaN(r.OpsPerSec) {
		t.Error("NaN ops")
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
	s, err := New(embedded.Schema(a.Config()), embedded.Source(a), func() int64 { return ops }, Options{InProcess: true})
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
	// 64 B is C3
	if emb.Classes[3].Name != "C3" || cnt(smp.Snap, 3, target.RoleCalls) != 3000 || cnt(smp.Snap, 3, target.RoleFree) != 1000 {
		t.Errorf("C3: alloc_calls %d free_calls %d, want 3000 and 1000", cnt(smp.Snap, 3, target.RoleCalls), cnt(smp.Snap, 3, target.RoleFree))
	}
	var calls, frees uint64
	for c := range emb.Classes {
		calls, frees = calls+cnt(smp.Snap, c, target.RoleCalls), frees+cnt(smp.Snap, c, target.RoleFree)
	}
	if calls != 3001 || frees != 1000 || smp.Snap.Ops != 4001 {
		t.Errorf("totals: alloc_calls %d free_calls %d ops %d", calls, frees, smp.Snap.Ops)
	}
	if rate(smp.Rates, 3, target.RoleCalls) <= 0 || smp.Rates.FastRatio[3] <= 0 || smp.Rates.FastRatio[3] > 1 {
		t.Errorf("C3 rates = %v fast %v", smp.Rates.Counters[27:36], smp.Rates.FastRatio[3])
	}
	if p := smp.Snap.Proc; p.RSSBytes == 0 || p.HeapInUse == 0 {
		t.Errorf("proc figures = %+v, want RSS and heap in use", p)
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
	s, err := New(emb, func() target.Snapshot { return emb.NewSnapshot() }, func() int64 { n++; return n }, Options{Interval: MinInterval})
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
