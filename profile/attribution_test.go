package profile

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/targettest"
	"github.com/haktop/haktop/workload"
)

// handProfile is a profile with one sample per bucket rule, inline frames
// and two labelled workers.
func handProfile(t *testing.T) *builder {
	b := newBuilder()
	w0 := []string{workload.LabelWorkload, "random_mixed", workload.LabelWorker, "0"}
	w1 := []string{workload.LabelWorkload, "random_mixed", workload.LabelWorker, "1"}
	run := b.loc(wl + "runRandomMixed")
	goexit := b.loc("runtime.goexit")
	// takeBlock inlined into tinyRefill, under allocSlow <- Alloc inlined into the loop.
	refill := b.loc(al+"(*Heap).takeBlock", al+"(*Heap).tinyRefill")
	slow := b.loc(al + "(*Heap).allocSlow")
	allocInl := b.loc(al+"(*Heap).Alloc", wl+"runRandomMixed")
	b.sample(7, w0, refill, slow, allocInl, goexit)
	// Alloc inlined into the workload: the entry code every size runs,
	// with the tiny fast path inside it: dispatch, never tiny_fast.
	b.sample(20, w0, allocInl, goexit)
	b.sample(5, w1, allocInl, goexit)
	// memclr under mapSuperslab under tinyRefill: the innermost path wins.
	mapss := b.loc("runtime.memclrNoHeapPointers", al+"(*arena).mapSuperslab")
	b.sample(3, w1, mapss, refill, slow, allocInl, goexit)
	// Go allocation in the workload: workload.
	b.sample(4, w0, b.loc("runtime.mallocgc"), run, goexit)
	// Flush outside any path: allocator/other.
	b.sample(2, w1, b.loc(al+"(*Heap).publish", al+"(*Heap).Flush"), run, goexit)
	// GC worker and a stackless sample: runtime/GC, unlabelled.
	b.sample(6, nil, b.loc("runtime.scanobject"), b.loc("runtime.gcBgMarkWorker"), goexit)
	b.sample(1, nil)
	// pool v2 with recursion through the same function counted once in cum.
	v2 := b.loc(al + "(*Heap).poolV2Alloc")
	b.sample(2, w1, v2, v2, slow, allocInl, goexit)
	return b
}

func TestAttributeBuckets(t *testing.T) {
	a := Attribute(handProfile(t).valid(t), &embeddedSchema)
	if a.Samples != 50 || a.CPU != 50*time.Duration(tick) {
		t.Fatalf("total = %d samples, %v; want 50, 500ms", a.Samples, a.CPU)
	}
	want := map[string]int64{
		"tiny_refill": 7, KeyDispatch: 25, "superslab_map": 3, "pool_v2_alloc": 2,
		KeyWorkload: 4, KeyAllocatorOther: 2, KeyRuntime: 7,
	}
	for _, r := range a.Rows {
		if r.Samples != want[r.Key] {
			t.Errorf("row %s: %d samples, want %d", r.Key, r.Samples, want[r.Key])
		}
		if r.CPU != time.Duration(r.Samples*tick) {
			t.Errorf("row %s: cpu %v, want %d ticks", r.Key, r.CPU, r.Samples)
		}
		// 50 samples: each sample is exactly 2%.
		if r.BasisPoints != r.Samples*200 {
			t.Errorf("row %s: %d basis points, want %d", r.Key, r.BasisPoints, r.Samples*200)
		}
	}
	for id := range allocator.NumPaths {
		if a.Rows[id].Path != int(id) || a.Rows[id].Key != allocator.Paths[id].Key {
			t.Errorf("Rows[%d] is %s, want path %s", id, a.Rows[id].Key, id)
		}
	}
	ps := a.PathSamples()
	if ps[allocator.PathTinyFast] != 0 || ps[allocator.PathPoolV2Alloc] != 2 || ps[allocator.PathPoolV1Alloc] != 0 {
		t.Errorf("PathSamples = %v", ps)
	}
}

func TestAttributeTopFunctions(t *testing.T) {
	a := Attribute(handProfile(t).valid(t), &embeddedSchema)
	refill, _ := a.Row("tiny_refill")
	if got := names(refill.TopFlat); !slices.Equal(got, []string{al + "(*Heap).takeBlock"}) {
		t.Errorf("tiny_refill flat = %v", got)
	}
	// cum stops at the path's own frame: allocSlow and the workload are callers.
	if got := names(refill.TopCum); !slices.Equal(got, []string{al + "(*Heap).takeBlock", al + "(*Heap).tinyRefill"}) {
		t.Errorf("tiny_refill cum = %v", got)
	}
	v2, _ := a.Row("pool_v2_alloc")
	if len(v2.TopCum) != 1 || v2.TopCum[0].Samples != 2 {
		t.Errorf("pool_v2_alloc cum = %+v, want poolV2Alloc once with 2 samples", v2.TopCum)
	}
	rt, _ := a.Row(KeyRuntime)
	if got := names(rt.TopFlat); !slices.Equal(got, []string{"runtime.scanobject"}) {
		t.Errorf("runtime flat = %v (the stackless sample has no function)", got)
	}
	if got := names(rt.TopCum); !slices.Equal(got, []string{"runtime.gcBgMarkWorker", "runtime.goexit", "runtime.scanobject"}) {
		t.Errorf("runtime cum = %v", got)
	}
	fast, _ := a.Row(KeyDispatch)
	if fast.TopFlat[0].Samples != 25 || fast.TopFlat[0].CPU != 25*time.Duration(tick) {
		t.Errorf("tiny_fast flat = %+v", fast.TopFlat)
	}
}

func TestAttributeTopIsCappedAndOrdered(t *testing.T) {
	b := newBuilder()
	goexit := b.loc("runtime.goexit")
	for i, fn := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		b.sample(int64(1+i%3), nil, b.loc("example.com/w."+fn), goexit)
	}
	r, _ := Attribute(b.valid(t), &embeddedSchema).Row(KeyWorkload)
	want := []string{"example.com/w.c", "example.com/w.f", "example.com/w.b", "example.com/w.e", "example.com/w.a"}
	if got := names(r.TopFlat); !slices.Equal(got, want) {
		t.Errorf("flat = %v, want %v", got, want)
	}
	if got := names(r.TopCum); got[0] != "runtime.goexit" || len(got) != TopN {
		t.Errorf("cum = %v, want goexit first and %d entries", got, TopN)
	}
}

func TestAttributeWorkers(t *testing.T) {
	a := Attribute(handProfile(t).valid(t), &embeddedSchema)
	type key struct{ wl, w string }
	want := map[key]int64{{"", ""}: 7, {"random_mixed", "0"}: 31, {"random_mixed", "1"}: 12}
	if len(a.Workers) != 3 {
		t.Fatalf("%d workers, want 3: %+v", len(a.Workers), a.Workers)
	}
	var bp int64
	for i, w := range a.Workers {
		if w.Samples != want[key{w.Workload, w.Worker}] {
			t.Errorf("worker %q/%q: %d samples", w.Workload, w.Worker, w.Samples)
		}
		if i > 0 && w.Workload == a.Workers[i-1].Workload && w.Worker < a.Workers[i-1].Worker {
			t.Errorf("workers out of order: %+v", a.Workers)
		}
		bp += w.BasisPoints
		assertSums(t, w.Rows, w.Samples)
	}
	if bp != 10000 {
		t.Errorf("worker shares sum to %d basis points", bp)
	}
	w1 := a.Workers[2]
	if r, _ := (Attribution{Rows: w1.Rows}).Row("superslab_map"); r.Samples != 3 || r.BasisPoints != 2500 {
		t.Errorf("worker 1 superslab_map = %+v, want 3 samples, 25%%", r)
	}
}

// assertSums checks that rows add up to total samples and exactly 100.00%.
func assertSums(t *testing.T, rows []Row, total int64) {
	t.Helper()
	var n, bp int64
	for _, r := range rows {
		n += r.Samples
		bp += r.BasisPoints
	}
	if n != total || (total > 0 && bp != 10000) {
		t.Errorf("rows sum to %d samples and %d basis points; want %d and 10000", n, bp, total)
	}
}

// Shares that do not divide evenly still add up to exactly 100.00%.
func TestAttributeAddsUpToExactly100(t *testing.T) {
	b := newBuilder()
	goexit := b.loc("runtime.goexit")
	b.sample(1, nil, b.loc(al+"(*Heap).tinyRefill"), goexit)
	b.sample(1, nil, b.loc(al+"(*Heap).tinyFlush"), goexit)
	b.sample(1, nil, b.loc("runtime.bgsweep"), goexit)
	a := Attribute(b.valid(t), &embeddedSchema)
	assertSums(t, a.Rows, 3)
	got := []int64{a.Rows[allocator.PathTinyRefill].BasisPoints, a.Rows[allocator.PathTinyFlush].BasisPoints, a.Rows[int(allocator.NumPaths)+rowRuntime].BasisPoints}
	if !slices.Equal(got, []int64{3334, 3333, 3333}) {
		t.Errorf("thirds = %v, want [3334 3333 3333]", got)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		w := make([]int64, 1+rng.IntN(25))
		for i := range w {
			w[i] = rng.Int64N(1e12)
		}
		var sum int64
		for _, v := range basisPoints(w) {
			sum += v
		}
		if sum != 10000 {
			t.Fatalf("basisPoints(%v) sums to %d", w, sum)
		}
	}
	if got := basisPoints([]int64{0, 0}); !slices.Equal(got, []int64{0, 0}) {
		t.Errorf("empty profile shares = %v", got)
	}
}

// Without a cpu value, shares are by sample count.
func TestAttributeCountOnly(t *testing.T) {
	b := newBuilder()
	b.sample(3, nil, b.loc(al+"(*Heap).poolV1Alloc"))
	b.sample(1, nil, b.loc("main.main"))
	p := b.valid(t)
	p.SampleType = p.SampleType[:1]
	for _, s := range p.Sample {
		s.Value = s.Value[:1]
	}
	a := Attribute(p, &embeddedSchema)
	if a.Rows[allocator.PathPoolV1Alloc].BasisPoints != 7500 || a.Rows[int(allocator.NumPaths)+rowWorkload].BasisPoints != 2500 || a.CPU != 0 {
		t.Errorf("count-only shares: v1 %d, workload %d, cpu %v", a.Rows[allocator.PathPoolV1Alloc].BasisPoints, a.Rows[int(allocator.NumPaths)+rowWorkload].BasisPoints, a.CPU)
	}
}

func TestFuncPackage(t *testing.T) {
	for fn, want := range map[string]string{
		al + "(*Heap).Alloc":                        "github.com/haktop/haktop/allocator",
		"runtime.gcBgMarkWorker":                    "runtime",
		"runtime/pprof.profileWriter":               "runtime/pprof",
		"main.main":                                 "main",
		"gopkg.in/yaml.v3.(*parser).parse":          "gopkg.in/yaml",
		"github.com/a/b.v2.F":                       "github.com/a/b",
		"internal/runtime/atomic.(*Uint32).Load":    "internal/runtime/atomic",
		"example.com/m/p.Generic[...].Method.func1": "example.com/m/p",
	} {
		if got := funcPackage(fn); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", fn, got, want)
		}
	}
}

func names(fs []FuncCost) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Func
	}
	return out
}

// TestAttributeSharedEntryCode checks that code every call runs is evidence
// of no path: a mid_pool run's samples in Alloc, Free and the validation
// behind them go to dispatch, never to tiny_fast, and a refill's check of an
// empty remote queue (drainRemote, inlined) is the refill's, not
// remote_drain's.
func TestAttributeSharedEntryCode(t *testing.T) {
	b := newBuilder()
	goexit := b.loc("runtime.goexit")
	w := []string{workload.LabelWorkload, "mid_pool", workload.LabelWorker, "0"}
	b.sample(3, w, b.loc(al+"(*Heap).Alloc", wl+"runMidPool"), goexit)
	b.sample(2, w, b.loc(al+"(*Heap).Free", wl+"runMidPool"), goexit)
	b.sample(1, w, b.loc(al+"blockIndex", al+"(*Heap).freeSmall"), b.loc(al+"(*Heap).Free", wl+"runMidPool"), goexit)
	b.sample(4, w, b.loc(al+"(*Heap).drainRemote", al+"(*Heap).tinyRefill"), goexit)
	b.sample(1, w, b.loc(al+"(*Heap).drainQueue"), b.loc(al+"(*Heap).tinyRefill"), goexit)
	a := Attribute(b.valid(t), &embeddedSchema)
	ps := a.PathSamples()
	if ps[allocator.PathTinyFast] != 0 {
		t.Errorf("tiny_fast has %d samples; shared entry code is no evidence of it", ps[allocator.PathTinyFast])
	}
	if r, _ := a.Row(KeyDispatch); r.Samples != 6 {
		t.Errorf("dispatch has %d samples, want 6", r.Samples)
	}
	if ps[allocator.PathTinyRefill] != 4 || ps[allocator.PathRemoteDrain] != 1 {
		t.Errorf("tiny_refill %d, remote_drain %d samples; want 4 (the empty-queue checks) and 1 (a real drain)",
			ps[allocator.PathTinyRefill], ps[allocator.PathRemoteDrain])
	}
}

// TestAttributeTheFakeTarget: the bucket rules come from the schema alone.
// targettest's fake (package example.com/fake, paths plain and turbo, no
// entry code) gets exactly its two path rows and the catch-all rows, and
// the embedded allocator's functions are nothing special to it.
func TestAttributeTheFakeTarget(t *testing.T) {
	const fake = "example.com/fake."
	s := targettest.Schema("1")
	b := newBuilder()
	goexit := b.loc("runtime.goexit")
	loop := b.loc("main.loop")
	turbo := b.loc(fake + "turboMalloc")
	b.sample(5, nil, b.loc(fake+"carve"), turbo, loop, goexit)       // under turboMalloc: turbo
	b.sample(2, nil, b.loc(fake+"plainMalloc"), turbo, loop, goexit) // the innermost path wins: plain
	b.sample(3, nil, b.loc(fake+"lockArena"), loop, goexit)          // the target's code, no path
	b.sample(4, nil, b.loc("main.work"), goexit)
	b.sample(1, nil, b.loc(al+"(*Heap).Alloc"), loop, goexit) // another allocator's entry: workload here
	b.sample(1, nil, b.loc("runtime.gcBgMarkWorker"), goexit)
	a := Attribute(b.valid(t), &s)
	type row struct {
		key, name   string
		path        int
		samples, bp int64
	}
	want := []row{
		{"plain", "plain malloc", 0, 2, 1250},
		{"turbo", "turbo malloc", 1, 5, 3125},
		{KeyDispatch, "entry and size dispatch", NoPath, 0, 0},
		{KeyAllocatorOther, "allocator, no path", NoPath, 3, 1875},
		{KeyWorkload, "workload", NoPath, 5, 3125},
		{KeyRuntime, "Go runtime and GC", NoPath, 1, 625},
	}
	var got []row
	for _, r := range a.Rows {
		got = append(got, row{r.Key, r.Name, r.Path, r.Samples, r.BasisPoints})
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows\n%+v\nwant\n%+v", got, want)
	}
	if ps := a.PathSamples(); !slices.Equal(ps, []int64{2, 5}) {
		t.Errorf("PathSamples = %v, want [2 5] in the schema's path order", ps)
	}
	if turbo, _ := a.Row(targettest.TurboPath); !slices.Equal(names(turbo.TopCum), []string{fake + "carve", fake + "turboMalloc"}) {
		t.Errorf("turbo cum = %v, want carve and turboMalloc (callers above the path left out)", names(turbo.TopCum))
	}
	// Without a schema every sample is a catch-all's.
	if a := Attribute(b.valid(t), nil); len(a.Rows) != numCatchAll || a.Rows[rowWorkload].Samples != 15 || a.Rows[rowRuntime].Samples != 1 {
		t.Errorf("no schema: %+v", a.Rows)
	}
}
