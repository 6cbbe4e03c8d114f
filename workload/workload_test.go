package workload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
)

func newAllocator(t testing.TB) *allocator.Allocator {
	t.Helper()
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

func mustRun(t *testing.T, a *allocator.Allocator, s Spec) Result {
	t.Helper()
	r, err := Start(context.Background(), a, s)
	if err != nil {
		t.Fatalf("Start(%+v): %v", s, err)
	}
	res := r.Wait()
	if res.Err != nil {
		t.Fatalf("run failed: %v", res.Err)
	}
	return res
}

// classOfSize is the model's size-to-class map, built from the exported
// class sizes only: the smallest small class that holds n, else the large row.
func classOfSize(n int) int {
	for c := 0; c < allocator.LargeClass; c++ {
		if allocator.ClassSize(c) >= n {
			return c
		}
	}
	return allocator.LargeClass
}

// mixedModel replays random_mixed.c independently of the driver: it tracks
// only which slots hold a block of what size, and counts allocs and frees
// per class, plus the final drain's frees per class.
type mixedModel struct {
	allocs, frees, drained int64
	classAllocs            [allocator.NumClasses]uint64
	classFrees             [allocator.NumClasses]uint64 // loop frees plus drain
}

func modelRandomMixed(cycles int64, ws int, seed uint32, lo, hi int) mixedModel {
	var m mixedModel
	size := make([]int, ws) // 0: empty
	x := seed
	for i := int64(0); i < cycles; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		idx := int(x % uint32(ws))
		if size[idx] != 0 {
			m.classFrees[classOfSize(size[idx])]++
			size[idx] = 0
			m.frees++
			continue
		}
		n := 16 + int(x&0x3FF)
		if lo > 0 && n < lo {
			n = lo
		}
		if hi > 0 && n > hi {
			n = hi
		}
		size[idx] = n
		m.classAllocs[classOfSize(n)]++
		m.allocs++
	}
	for _, n := range size {
		if n != 0 {
			m.classFrees[classOfSize(n)]++
			m.drained++
		}
	}
	return m
}

// checkCounters asserts the allocator invariants and that the Snapshot's
// totals are exactly the workload's own calls plus the drain.
func checkCounters(t *testing.T, res Result, s allocator.Snapshot) {
	t.Helper()
	if res.Allocs+res.Frees != res.Cycles {
		t.Errorf("allocs %d + frees %d != cycles %d", res.Allocs, res.Frees, res.Cycles)
	}
	if res.Frees+res.Drained != res.Allocs {
		t.Errorf("frees %d + drained %d != allocs %d: blocks leaked or freed twice", res.Frees, res.Drained, res.Allocs)
	}
	if !s.StatsCompiled {
		return
	}
	for _, c := range s.Classes {
		if c.AllocCalls != c.AllocFast+c.AllocRefill+c.AllocFallback {
			t.Errorf("%s: alloc_calls %d != fast %d + refill %d + fallback %d", c.Class, c.AllocCalls, c.AllocFast, c.AllocRefill, c.AllocFallback)
		}
		if c.FreeCalls != c.FreeFast+c.FreeRemote+c.FreeFallback {
			t.Errorf("%s: free_calls %d != fast %d + remote %d + fallback %d", c.Class, c.FreeCalls, c.FreeFast, c.FreeRemote, c.FreeFallback)
		}
	}
	tot := s.Totals()
	if tot.AllocCalls != uint64(res.Allocs) {
		t.Errorf("snapshot alloc_calls %d != workload allocs %d", tot.AllocCalls, res.Allocs)
	}
	if tot.FreeCalls != uint64(res.Frees+res.Drained) {
		t.Errorf("snapshot free_calls %d != workload frees %d + drained %d", tot.FreeCalls, res.Frees, res.Drained)
	}
	if s.Invalid.Total() != 0 {
		t.Errorf("invalid frees: %+v", s.Invalid)
	}
}

func TestRandomMixedMatchesModel(t *testing.T) {
	cases := []struct {
		cycles  int64
		ws      int
		seed    uint32
		lo, hi  int
		workers int
	}{
		{200_000, 8192, DefaultSeed, 0, 0, 1}, // power-of-two ws: the masked loop
		{123_457, 1000, 42, 0, 0, 1},          // any ws: the modulo loop
		{50_000, 7, 0, 0, 0, 1},               // seed 0: xorshift32 stays 0, as in C
		{100_000, 4096, 99, 100, 300, 1},      // clamps
		{100_001, 512, 7, 0, 0, 3},            // three workers, uneven shares
	}
	for _, tc := range cases {
		name := fmt.Sprintf("c%d_ws%d_seed%d_clamp%d-%d_w%d", tc.cycles, tc.ws, tc.seed, tc.lo, tc.hi, tc.workers)
		t.Run(name, func(t *testing.T) {
			a := newAllocator(t)
			s := Spec{Name: RandomMixed, Workers: tc.workers, Cycles: tc.cycles, WS: tc.ws, Seed: tc.seed, MinSize: tc.lo, MaxSize: tc.hi}
			res := mustRun(t, a, s)
			snap := a.Snapshot()
			checkCounters(t, res, snap)
			var want mixedModel
			for i := 0; i < tc.workers; i++ {
				share := tc.cycles / int64(tc.workers)
				if int64(i) < tc.cycles%int64(tc.workers) {
					share++
				}
				m := modelRandomMixed(share, tc.ws, tc.seed+uint32(i), tc.lo, tc.hi)
				w := res.Workers[i]
				if w.Cycles != share || w.Allocs != m.allocs || w.Frees != m.frees || w.Drained != m.drained {
					t.Errorf("worker %d: cycles/allocs/frees/drained = %d/%d/%d/%d, model %d/%d/%d/%d",
						i, w.Cycles, w.Allocs, w.Frees, w.Drained, share, m.allocs, m.frees, m.drained)
				}
				want.allocs += m.allocs
				want.frees += m.frees
				want.drained += m.drained
				for c := range m.classAllocs {
					want.classAllocs[c] += m.classAllocs[c]
					want.classFrees[c] += m.classFrees[c]
				}
			}
			if res.Cycles != tc.cycles || res.Allocs != want.allocs || res.Frees != want.frees || res.Drained != want.drained {
				t.Errorf("cycles/allocs/frees/drained = %d/%d/%d/%d, model %d/%d/%d/%d",
					res.Cycles, res.Allocs, res.Frees, res.Drained, tc.cycles, want.allocs, want.frees, want.drained)
			}
			if !snap.StatsCompiled {
				return
			}
			for c, cs := range snap.Classes {
				if cs.AllocCalls != want.classAllocs[c] || cs.FreeCalls != want.classFrees[c] {
					t.Errorf("%s: alloc_calls %d free_calls %d, model %d %d", cs.Class, cs.AllocCalls, cs.FreeCalls, want.classAllocs[c], want.classFrees[c])
				}
			}
		})
	}
}

// TestEveryWorkloadCounters runs each workload on two workers and checks
// the exact totals against the allocator's Snapshot.
func TestEveryWorkloadCounters(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			a := newAllocator(t)
			s := DefaultSpec(name)
			s.Workers = 2
			s.Cycles = 60_001
			if name == Large {
				s.Cycles = 2_001
			}
			res := mustRun(t, a, s)
			if res.Cycles != s.Cycles {
				t.Errorf("ran %d cycles, want %d", res.Cycles, s.Cycles)
			}
			snap := a.Snapshot()
			checkCounters(t, res, snap)
			if !snap.StatsCompiled {
				return
			}
			classes := map[string][]int{
				TinyHot: {3}, // 64 bytes: C3 only
				MidPool: {8, 9, 10, 11, 12, 13, 14},
				Large:   {allocator.LargeClass},
			}
			if want, ok := classes[name]; ok {
				var in uint64
				for _, c := range want {
					in += snap.Classes[c].AllocCalls
				}
				if in != uint64(res.Allocs) {
					t.Errorf("%d of %d allocs in classes %v", in, res.Allocs, want)
				}
			}
			if name == Larson {
				var remote uint64
				for _, c := range snap.Classes {
					remote += c.FreeRemote
				}
				if remote == 0 {
					t.Errorf("larson made no remote frees")
				}
			}
		})
	}
}

// TestLarsonFreesRemotely checks that larson's frees are remote frees:
// producers wait for their consumer rather than free their own batches, so
// only the tail after the first worker finishes (a few batches) is local.
func TestLarsonFreesRemotely(t *testing.T) {
	a := newAllocator(t)
	s := DefaultSpec(Larson)
	s.Workers, s.Cycles = 3, 1_000_000
	res := mustRun(t, a, s)
	snap := a.Snapshot()
	checkCounters(t, res, snap)
	if !snap.StatsCompiled {
		return
	}
	if remote := snap.Totals().FreeRemote; remote < uint64(res.Frees)*9/10 {
		t.Errorf("%d of %d frees remote, want at least 90%%", remote, res.Frees)
	}
}

func TestTinyHotIsLIFO(t *testing.T) {
	a := newAllocator(t)
	s := DefaultSpec(TinyHot)
	s.Size, s.Cycles = 200, 10*hotBatch+5 // stops mid-batch: 5 blocks to drain
	res := mustRun(t, a, s)
	if res.Allocs != 5*hotBatch+5 || res.Frees != 5*hotBatch || res.Drained != 5 {
		t.Errorf("allocs/frees/drained = %d/%d/%d, want %d/%d/5", res.Allocs, res.Frees, res.Drained, 5*hotBatch+5, 5*hotBatch)
	}
	snap := a.Snapshot()
	checkCounters(t, res, snap)
	if snap.StatsCompiled && snap.Classes[5].AllocCalls != uint64(res.Allocs) {
		t.Errorf("C5 (256 B) alloc_calls = %d, want all %d", snap.Classes[5].AllocCalls, res.Allocs)
	}
}

func TestPauseResumeStop(t *testing.T) {
	a := newAllocator(t)
	s := DefaultSpec(RandomMixed)
	s.Workers, s.Cycles = 2, 0 // until Stop
	r, err := Start(context.Background(), a, s)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first cycles", func() bool { return r.WorkerCycles(0) > 0 && r.WorkerCycles(1) > 0 })
	r.Pause()
	if !r.Paused() {
		t.Fatal("Paused() = false after Pause")
	}
	// Parked workers have flushed: the snapshot is exact and still.
	n := r.Cycles()
	snap := a.Snapshot()
	if tot := snap.Totals(); snap.StatsCompiled && int64(tot.AllocCalls+tot.FreeCalls) != n {
		t.Errorf("paused: snapshot calls %d != cycles %d", tot.AllocCalls+tot.FreeCalls, n)
	}
	if got := r.WorkerCycles(0) + r.WorkerCycles(1); got != n {
		t.Errorf("WorkerCycles sum %d != Cycles %d", got, n)
	}
	checkLabels(t, RandomMixed, 2)
	time.Sleep(20 * time.Millisecond)
	if r.Cycles() != n {
		t.Errorf("cycles moved while paused: %d -> %d", n, r.Cycles())
	}
	select {
	case <-r.Done():
		t.Fatal("run ended while paused")
	default:
	}
	if r.Ended() {
		t.Fatal("Ended() = true while paused")
	}
	r.Resume()
	if r.Paused() {
		t.Fatal("Paused() = true after Resume")
	}
	waitFor(t, "cycles after resume", func() bool { return r.Cycles() > n })
	r.Pause()
	r.Stop() // from paused
	res := r.Wait()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if !r.Ended() {
		t.Fatal("Ended() = false after Wait")
	}
	if res.Cycles != r.Cycles() || res.Cycles <= n {
		t.Errorf("result cycles %d, live %d, paused at %d", res.Cycles, r.Cycles(), n)
	}
	checkCounters(t, res, a.Snapshot())
	r.Pause() // after the end: returns at once
	r.Resume()
	r.Stop()
}

func TestDurationAndCancel(t *testing.T) {
	a := newAllocator(t)
	s := DefaultSpec(Larson)
	s.Cycles, s.Duration = 0, 30*time.Millisecond
	res := mustRun(t, a, s)
	if res.Elapsed < s.Duration || res.Cycles == 0 {
		t.Errorf("duration run: elapsed %v, cycles %d; want >= %v and > 0", res.Elapsed, res.Cycles, s.Duration)
	}
	checkCounters(t, res, a.Snapshot())

	a = newAllocator(t) // fresh counters
	ctx, cancel := context.WithCancel(context.Background())
	s = DefaultSpec(MidPool)
	s.Cycles = 0
	r, err := Start(ctx, a, s)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "mid_pool cycles", func() bool { return r.Cycles() > 0 })
	cancel()
	select {
	case <-r.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled run did not stop")
	}
	checkCounters(t, r.Wait(), a.Snapshot())
}

// TestPausedDurationExcluded checks that time spent paused does not count
// against Duration or Elapsed.
func TestPausedDurationExcluded(t *testing.T) {
	a := newAllocator(t)
	s := DefaultSpec(TinyHot)
	s.Cycles, s.Duration = 0, 200*time.Millisecond
	r, err := Start(context.Background(), a, s)
	if err != nil {
		t.Fatal(err)
	}
	r.Pause()
	time.Sleep(300 * time.Millisecond)
	select {
	case <-r.Done():
		t.Fatal("run ended while paused")
	default:
	}
	r.Resume()
	res := r.Wait()
	if res.Elapsed < s.Duration {
		t.Errorf("elapsed %v < duration %v", res.Elapsed, s.Duration)
	}
}

func checkLabels(t *testing.T, name string, workers int) {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < workers; i++ {
		want := fmt.Sprintf(`# labels: {"worker":"%d", "workload":"%s"}`, i, name)
		if !strings.Contains(buf.String(), want) {
			t.Errorf("goroutine profile lacks %s", want)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestValidate(t *testing.T) {
	mod := func(name string, f func(*Spec)) Spec {
		s := DefaultSpec(name)
		f(&s)
		return s
	}
	cases := []struct {
		spec Spec
		want string
	}{
		{mod("nope", func(*Spec) {}), `workload: workload "nope" is not valid: want one of random_mixed, tiny_hot, mid_pool, larson, large`},
		{mod(RandomMixed, func(s *Spec) { s.Workers = -1 }), "workload: workers -1 is not valid: want an integer from 1 to 1024"},
		{mod(Larson, func(s *Spec) { s.Workers = 1 }), "workload: workers 1 is not valid: want an integer from 2 to 1024 (larson hands blocks to a consumer on another worker's heap)"},
		{mod(RandomMixed, func(s *Spec) { s.WS = 0 }), "workload: ws 0 is not valid: want an integer from 1 to 16777216"},
		{mod(TinyHot, func(s *Spec) { s.WS = 8 }), "workload: ws 8 is not valid: want 0: tiny_hot does not use a working set"},
		{mod(RandomMixed, func(s *Spec) { s.Cycles = -5 }), "workload: cycles -5 is not valid: want 0 (run until stopped or --duration) or a positive integer"},
		{mod(RandomMixed, func(s *Spec) { s.Duration = -time.Second }), "workload: duration -1s is not valid: want 0 or a positive duration like 30s or 2m"},
		{mod(TinyHot, func(s *Spec) { s.Size = 0 }), "workload: size 0 is not valid: want a block size from 1 to 1048576 bytes"},
		{mod(MidPool, func(s *Spec) { s.Size = 64 }), "workload: size 64 is not valid: want 0: only tiny_hot uses a fixed size"},
		{mod(Large, func(s *Spec) { s.MinSize = 64 }), "workload: min-size 64 is not valid: want 0: only random_mixed clamps sizes"},
		{mod(RandomMixed, func(s *Spec) { s.MinSize, s.MaxSize = 500, 100 }), "workload: max-size 100 is not valid: want 0 or a size >= min-size (500)"},
		{mod(RandomMixed, func(s *Spec) { s.MaxSize = -1 }), "workload: max-size -1 is not valid: want 0 (no clamp) or a size from 1 to 1073741824 bytes"},
	}
	for _, tc := range cases {
		err := tc.spec.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || err.Error() != tc.want {
			t.Errorf("Validate(%+v) = %v\nwant %s", tc.spec, err, tc.want)
		}
	}
	for _, name := range Names() {
		if err := DefaultSpec(name).Validate(); err != nil {
			t.Errorf("DefaultSpec(%s): %v", name, err)
		}
	}
	if _, err := Start(context.Background(), nil, DefaultSpec(RandomMixed)); err == nil {
		t.Error("Start with a nil allocator succeeded")
	}
}
