package live

// buildFrame's arithmetic on one hand-made sample: live blocks and bytes
// per class and their total.

import (
	"math"
	"slices"
	"testing"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// setCounts sets class c's calls and frees in snap, of layout's shape.
func setCounts(snap *target.Snapshot, c int, calls, frees uint64) {
	n := len(layout.Counters)
	snap.Counters[c*n+layout.CounterOf(target.RoleCalls)] = calls
	snap.Counters[c*n+layout.CounterOf(target.RoleFree)] = frees
}

func TestBuildFrameLiveBlocksAndBytes(t *testing.T) {
	s := sampler.Sample{Snap: layout.NewSnapshot()}
	setCounts(&s.Snap, 3, 10, 4)                                       // C3: 64 B
	setCounts(&s.Snap, allocator.NumTinyClasses, 3, 3)                 // P0: 2 KiB
	setCounts(&s.Snap, 1, 2, 5)                                        // a remote free published before its alloc: never negative
	setCounts(&s.Snap, allocator.NumClasses-1, 7, 5)                   // large
	s.Snap.Gauges[slices.Index(layout.Gauges, "large_bytes")] = 300000 // large blocks have no class size: the allocator counts their bytes
	f := buildFrame(frameInput{spec: workload.DefaultSpec(workload.RandomMixed), sample: s, gates: embedded.Gates(allocator.DefaultConfig())})

	want := map[string][2]uint64{"C3": {6, 384}, "P0": {0, 0}, "C1": {0, 0}, "L": {2, 300000}}
	for _, r := range f.Classes {
		w := want[r.Class]
		if r.LiveBlocks != w[0] || r.LiveBytes != w[1] {
			t.Errorf("%s: %d blocks, %d bytes live; want %d, %d", r.Class, r.LiveBlocks, r.LiveBytes, w[0], w[1])
		}
	}
	if f.LiveBytes() != 384+300000 {
		t.Errorf("total live bytes %d, want %d", f.LiveBytes(), 384+300000)
	}
}

// TestLargeRowHasNoFastRatio: every large block is an mmap, so the large
// row shows no fast ratio (not 100% or 0%), whatever the rates say, and its
// size is the smallest request it serves.
func TestLargeRowHasNoFastRatio(t *testing.T) {
	var in frameInput
	in.gates = embedded.Gates(allocator.DefaultConfig())
	n, calls := len(layout.Counters), layout.CounterOf(target.RoleCalls)
	in.rates.Counters = make([]float64, len(layout.Classes)*n)
	in.rates.FastRatio = make([]float64, len(layout.Classes))
	in.rates.Counters[allocator.LargeClass*n+calls], in.rates.FastRatio[allocator.LargeClass] = 500, 1
	in.rates.Counters[3*n+calls], in.rates.FastRatio[3] = 100, 0.5
	f := buildFrame(in)
	if l, _ := f.Value(allocator.LargeClass, target.RoleFast); !math.IsNaN(l) || f.Classes[allocator.LargeClass].Size != allocator.MaxPoolSize+1 {
		t.Errorf("large row: fast ratio %v, size %d; want NaN (shown —) and %d", l, f.Classes[allocator.LargeClass].Size, allocator.MaxPoolSize+1)
	}
	if r, _ := f.Value(3, target.RoleFast); r != 0.5 {
		t.Errorf("C3 fast ratio %v, want 0.5", r)
	}
}

// TestDefaultSettingsRaiseNoBanner: a live random_mixed session on default
// gate values (tiny refills counted, no flush or fallback yet, past warm-up)
// shows no path NEVER EXECUTED, so the banner stays empty: HAKMEM_SS_MAX=0
// switches the fallback off, and the flush is IDLE while the cap acts
// through refills.
func TestDefaultSettingsRaiseNoBanner(t *testing.T) {
	s := sampler.Sample{Elapsed: 5e9, Snap: layout.NewSnapshot()}
	s.Snap.Paths[allocator.PathTinyFast] = 1e8
	s.Snap.Paths[allocator.PathTinyRefill] = 40
	s.Snap.Paths[allocator.PathPoolV1Alloc] = 1e5
	s.Snap.Paths[allocator.PathPoolV1Free] = 1e5
	counted := layout // as a build with counters reads it
	counted.Counted = true
	f := buildFrame(frameInput{spec: workload.DefaultSpec(workload.RandomMixed), schema: &counted, sample: s, gates: embedded.Gates(allocator.DefaultConfig())})
	for _, p := range f.Paths {
		if p.Verdict == profile.NeverExecuted || p.Verdict == profile.Inconsistent {
			t.Errorf("default settings: path %s %s", p.Key, p.Verdict)
		}
	}
	for _, g := range f.Gates {
		if g.Verdict == profile.NeverExecuted {
			t.Errorf("default settings: gate %s NEVER EXECUTED", g.Env)
		}
	}
}

// A frame's class rows take their size labels from the schema: the block
// size, and for the large class (no upper bound) the size above the pool's.
func TestFrameClassSizeLabels(t *testing.T) {
	f := buildFrame(frameInput{spec: workload.DefaultSpec(workload.RandomMixed)})
	want := map[string]string{"C0": "8", "C7": "1024", "P0": "2K", "P5": "48K", "P6": "64K", "L": ">64K"}
	for _, r := range f.Classes {
		if w, ok := want[r.Class]; ok && r.SizeLabel != w {
			t.Errorf("class %s: size label %q, want %q", r.Class, r.SizeLabel, w)
		}
		delete(want, r.Class)
	}
	if len(want) != 0 {
		t.Errorf("classes missing from the frame: %v", want)
	}
}

// allocsPerSec returns class row i's alloc calls per second in f.
func allocsPerSec(f Frame, i int) float64 {
	v, _ := f.Value(i, target.RoleCalls)
	return v
}
