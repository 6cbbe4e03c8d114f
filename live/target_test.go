package live

// TargetView on targets shaped nothing like the embedded allocator: the
// columns follow the counters' roles, the rates are exact differences of
// the snapshots over their span, and nothing is shown that was never counted.

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/targettest"
)

func TestTargetViewOfTheFake(t *testing.T) {
	s := targettest.Schema("1")
	v := NewTargetView(s, "fake")
	if f := v.Frame(); len(f.Classes) != 3 || f.Seq != 0 || !slices.ContainsFunc(f.Classes, ClassRow.Idle) {
		t.Fatalf("before any snapshot: %d classes, seq %d; want 3 idle rows", len(f.Classes), f.Seq)
	}
	for i := 1; i <= 3; i++ {
		v.Add(time.Duration(i)*250*time.Millisecond, targettest.Snapshot(&s, i, true))
	}
	f := v.Frame()
	var keys []string
	for _, c := range f.Columns {
		keys = append(keys, c.Key)
	}
	// mallocs (calls) and frees (free): no fast, refill, fallback or remote column.
	if !slices.Equal(keys, []string{"alloc", "free"}) || !f.Live {
		t.Fatalf("columns %v, live %v; want [alloc free] and live blocks", keys, f.Live)
	}
	for c, r := range f.Classes {
		want := float64(c+1) * 1000 / 0.25 // (c+1)*1000 more calls and frees per 250 ms
		if r.Values[0] != want || r.Values[1] != want || r.LiveBlocks != 0 || len(r.History) != 3 || r.History[2] != want {
			t.Errorf("%s: %v, %d live, history %v; want %v alloc/s and free/s, 0 live", r.Class, r.Values, r.LiveBlocks, r.History, want)
		}
	}
	if f.Paths[0].HitsPerSec != 3000/0.25 || f.Paths[1].HitsPerSec != 2000/0.25 || f.OpsPerSec != 12000/0.25 {
		t.Errorf("paths %v/s, %v/s, ops %v/s", f.Paths[0].HitsPerSec, f.Paths[1].HitsPerSec, f.OpsPerSec)
	}
	if f.Elapsed != 750*time.Millisecond || f.Seq != 3 || f.Target != "fake" || f.Gates[0].Env != targettest.GateEnv {
		t.Errorf("elapsed %v, seq %d, target %q, gates %v", f.Elapsed, f.Seq, f.Target, f.Gates)
	}
	if _, err := v.Apply(Command{Kind: CmdCycleWorkload}); err == nil || err.Error() != "changing the workload (w) is not available here" {
		t.Errorf("w: %v", err)
	}
}

// A target that counts calls and fast hits but no frees: a fast % column,
// no live blocks or bytes (it cannot know them), and a class with no calls
// in the interval has no ratio rather than 0%.
func TestTargetViewFastRatioWithoutFrees(t *testing.T) {
	s := target.Schema{Target: "t",
		Classes:  []target.Class{{Name: "a", Min: 1, Max: 16}, {Name: "b", Min: 17, Max: 0}},
		Counters: []target.Counter{{Name: "n", Role: target.RoleCalls}, {Name: "hit", Role: target.RoleFast}, {Name: "misc", Role: target.RoleOther}},
		Counted:  true}
	v := NewTargetView(s, "t")
	snap := s.NewSnapshot()
	snap.Counters = []uint64{100, 90, 7, 0, 0, 5}
	v.Add(time.Second, snap)
	snap.Counters = []uint64{300, 240, 9, 0, 0, 6}
	v.Add(2*time.Second, snap)
	f := v.Frame()
	if len(f.Columns) != 2 || f.Columns[1].Role != target.RoleFast || f.Live {
		t.Fatalf("columns %v, live %v; want alloc/s and fast %%, no live", f.Columns, f.Live)
	}
	if r := f.Classes[0].Values; r[0] != 200 || r[1] != 0.75 {
		t.Errorf("class a: %v; want 200 alloc/s, 75%% fast", r)
	}
	if r := f.Classes[1]; !math.IsNaN(r.Values[1]) || !r.Idle() || r.LiveBlocks != 0 {
		t.Errorf("class b: %v idle %v; want no ratio (NaN) and idle", r.Values, r.Idle())
	}
}
