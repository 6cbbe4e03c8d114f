package target_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/targettest"
)

func TestSchemaLookups(t *testing.T) {
	s := targettest.Schema("1")
	if s.CounterOf(target.RoleCalls) != 0 || s.CounterOf(target.RoleFree) != 1 || s.Has(target.RoleRefill) || s.CounterOf(target.RoleFast) != -1 {
		t.Errorf("roles: calls %d, free %d, refill %v, fast %d", s.CounterOf(target.RoleCalls), s.CounterOf(target.RoleFree), s.Has(target.RoleRefill), s.CounterOf(target.RoleFast))
	}
	if got := s.ClassNames(); !slices.Equal(got, []string{"small", "medium", "huge"}) {
		t.Errorf("classes %v", got)
	}
	if got := s.CounterNames(); !slices.Equal(got, []string{"mallocs", "frees"}) {
		t.Errorf("counters %v", got)
	}
	if s.PathIndex(targettest.TurboPath) != 1 || s.PathIndex("nope") != -1 || !slices.Equal(s.PathIDs(), []string{"plain", "turbo"}) {
		t.Errorf("paths %v", s.PathIDs())
	}
	if g := s.Gate(targettest.GateEnv); g == nil || !g.Guards(targettest.TurboPath) || g.Guards(targettest.PlainPath) || s.Gate("HAKMEM_POOL_V2_ENABLED") != nil {
		t.Errorf("gate lookup %+v", g)
	}
	if got := s.Guarding(targettest.TurboPath); !slices.Equal(got, []string{targettest.GateEnv}) || s.Guarding(targettest.PlainPath) != nil {
		t.Errorf("guarding turbo %v, plain %v", got, s.Guarding(targettest.PlainPath))
	}
}

// A schema is recorded as JSON: it must come back equal (the Cycle func
// is the adapter's and is not recorded).
func TestSchemaRoundTrip(t *testing.T) {
	s := targettest.Schema("0")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back target.Schema
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, back) {
		t.Errorf("round trip:\n%+v\n%+v", s, back)
	}
}

func TestGateNext(t *testing.T) {
	b := target.Gate{Env: "B", Kind: target.KindBool, Default: "0"}
	e := target.Gate{Env: "E", Kind: target.KindEnum, Default: "a", Values: []string{"a", "b", "c"}}
	i := target.Gate{Env: "I", Kind: target.KindInt, Default: "64"}
	c := target.Gate{Env: "C", Kind: target.KindInt, Default: "1", Cycle: func(cur string) string { return cur + "0" }}
	for _, tc := range []struct {
		g         *target.Gate
		cur, want string
	}{
		{&b, "0", "1"}, {&b, "1", "0"}, {&b, "true", "0"},
		{&e, "a", "b"}, {&e, "c", "a"}, {&e, "zz", "a"},
		{&i, "128", "64"}, {&c, "1", "10"},
	} {
		if got := tc.g.Next(tc.cur); got != tc.want {
			t.Errorf("%s.Next(%q) = %q, want %q", tc.g.Env, tc.cur, got, tc.want)
		}
	}
}

func TestSnapshot(t *testing.T) {
	s := targettest.Schema("1")
	snap := targettest.Snapshot(&s, 3, true)
	n := len(s.Counters)
	if snap.At(2, s.CounterOf(target.RoleCalls), n) != 9000 || !slices.Equal(snap.Row(1, n), []uint64{6000, 6000}) {
		t.Errorf("counters %v", snap.Counters)
	}
	c := snap.Clone()
	c.Counters[0]++
	c.Paths[0]++
	if snap.Counters[0] != 3000 || snap.Paths[0] != 9000 {
		t.Errorf("Clone shares memory: %v %v", snap.Counters, snap.Paths)
	}
	snap.Invalid[0] = 4
	if snap.InvalidTotal() != 4 {
		t.Errorf("invalid total %d", snap.InvalidTotal())
	}
}
