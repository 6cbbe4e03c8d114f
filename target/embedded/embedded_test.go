package embedded

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

func TestSchemaDescribesTheRegistries(t *testing.T) {
	cfg, err := allocator.ConfigFrom(func(k string) (string, bool) {
		v, ok := map[string]string{"HAKMEM_POOL_V2_ENABLED": "1"}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	s := Schema(cfg)
	if len(s.Classes) != allocator.NumClasses || len(s.Paths) != int(allocator.NumPaths) || len(s.Gates) != len(allocator.Gates) || len(s.Counters) != 9 {
		t.Fatalf("%d classes, %d paths, %d gates, %d counters", len(s.Classes), len(s.Paths), len(s.Gates), len(s.Counters))
	}
	want := []target.Class{{Name: "C0", Min: 1, Max: 8, Tier: "tiny"}, {Name: "C1", Min: 9, Max: 16, Tier: "tiny"}, {Name: "C7", Min: 513, Max: 1024, Tier: "tiny"}, {Name: "P0", Min: 1025, Max: 2048, Tier: "pool"}, {Name: "P6", Min: 49153, Max: 65536, Tier: "pool"}, {Name: "L", Min: 65537, Max: 0, Tier: "large", NoFast: true}}
	for _, w := range want {
		i := slices.IndexFunc(s.Classes, func(c target.Class) bool { return c.Name == w.Name })
		if i < 0 || s.Classes[i].Name != w.Name || s.Classes[i].Min != w.Min || s.Classes[i].Max != w.Max || s.Classes[i].Tier != w.Tier {
			t.Errorf("class %s: %+v", w.Name, s.Classes[max(i, 0)])
		}
	}
	// The counter names are allocator.Counters' JSON keys, in order.
	b, _ := json.Marshal(allocator.Counters{AllocCalls: 1})
	var m map[string]uint64
	json.Unmarshal(b, &m)
	for _, name := range s.CounterNames() {
		if _, ok := m[name]; !ok {
			t.Errorf("counter %q is not a field of allocator.Counters", name)
		}
	}
	if s.CounterOf(target.RoleCalls) != 0 || s.Counters[s.CounterOf(target.RoleCalls)].Name != "alloc_calls" || s.Counters[s.CounterOf(target.RoleRemote)].Name != "free_remote" {
		t.Errorf("roles: %+v", s.Counters)
	}
	if s.Package != "github.com/haktop/haktop/allocator" || s.Paths[allocator.PathPoolV2Alloc].Funcs[0] != s.Package+".(*Heap).poolV2Alloc" {
		t.Errorf("package %q, funcs %v", s.Package, s.Paths[allocator.PathPoolV2Alloc].Funcs)
	}
	g := s.Gate("HAKMEM_POOL_V2_ENABLED")
	if g == nil || g.Value != "1" || g.Source != target.SourceEnv || g.Off || g.Kind != target.KindBool || !slices.Equal(g.Paths, []string{"pool_v2_alloc", "pool_v2_free", "pool_v2_fallback"}) {
		t.Errorf("pool v2 gate %+v", g)
	}
	if lean := s.Gate("HAKMEM_SS_MEM_LEAN"); lean == nil || !lean.Off || lean.Source != target.SourceDefault {
		t.Errorf("lean gate %+v", lean)
	}
	// Next is the allocator's own cycle.
	for _, decl := range allocator.Gates {
		g := s.Gate(decl.Env)
		if got, want := g.Next(g.Value), decl.Next(g.Value); got != want {
			t.Errorf("%s.Next(%q) = %q, allocator says %q", decl.Env, g.Value, got, want)
		}
	}
}

// A real run's counters convert exactly: every cell of the matrix, every
// path and the totals.
func TestSnapshotConvertsExactly(t *testing.T) {
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	spec := workload.DefaultSpec(workload.Larson)
	spec.Cycles = 200_000
	run, err := workload.Start(context.Background(), a, spec)
	if err != nil {
		t.Fatal(err)
	}
	run.Wait()
	as := a.Snapshot()
	s := Schema(a.Config())
	snap := s.NewSnapshot()
	Snapshot(&as, &snap)
	n := len(s.Counters)
	for c := range as.Classes {
		k := as.Classes[c].Counters
		want := []uint64{k.AllocCalls, k.AllocFast, k.AllocRefill, k.AllocRefillFail, k.AllocFallback, k.FreeCalls, k.FreeFast, k.FreeRemote, k.FreeFallback}
		if got := snap.Row(c, n); !slices.Equal(got, want) {
			t.Errorf("class %s: %v, want %v", s.Classes[c].Name, got, want)
		}
	}
	if !slices.Equal(snap.Paths, as.Paths[:]) || snap.Heaps != as.Heaps || snap.InvalidTotal() != as.Invalid.Total() {
		t.Errorf("paths %v want %v, heaps %d want %d", snap.Paths, as.Paths, snap.Heaps, as.Heaps)
	}
	var calls, remote uint64
	for c := range s.Classes {
		calls += snap.At(c, s.CounterOf(target.RoleCalls), n)
		remote += snap.At(c, s.CounterOf(target.RoleRemote), n)
	}
	if tot := as.Totals(); allocator.StatsCompiled && (calls != tot.AllocCalls || remote != tot.FreeRemote || remote == 0) {
		t.Errorf("totals: %d calls, %d remote; allocator %d, %d", calls, remote, tot.AllocCalls, tot.FreeRemote)
	}
	if snap.Gauges[slices.Index(s.Gauges, "superslabs_mapped")] != as.Memory.SuperslabsMapped {
		t.Errorf("gauges %v, memory %+v", snap.Gauges, as.Memory)
	}
}

// TestDecided: recorded gate values get what they switch off from this
// build's registry: a format-1 file said HAKMEM_SS_MAX=0 switched nothing
// off, today a cap of 0 switches the fallback off; a value that switches
// nothing off keeps Off false, and the recorded paths stay.
func TestDecided(t *testing.T) {
	recorded := []target.Gate{
		{Env: "HAKMEM_SS_MAX", Value: "0", Source: target.SourceDefault, Paths: []string{"tiny_fallback"}, Off: false},
		{Env: "HAKMEM_TINY_CACHE_CAP", Value: "512", Source: target.SourceDefault, Paths: []string{"tiny_fast", "tiny_refill", "tiny_flush"}, Off: true},
		{Env: "HAKMEM_POOL_V2_ENABLED", Value: "1", Source: target.SourceEnv, Paths: []string{"pool_v2_alloc", "pool_v2_free", "pool_v2_fallback"}, Off: true},
		{Env: "HAKMEM_POOL_V2_CLASSES", Value: "0", Source: target.SourceEnv, Paths: []string{"pool_v2_alloc", "pool_v2_free"}},
	}
	got := Decided(recorded)
	want := []struct {
		off      bool
		offPaths []string
	}{{true, nil}, {false, nil}, {false, nil}, {true, []string{"pool_v2_fallback"}}}
	for i, w := range want {
		g := got[i]
		if g.Off != w.off || !slices.Equal(g.OffPaths, w.offPaths) || !slices.Equal(g.Paths, recorded[i].Paths) || g.Value != recorded[i].Value {
			t.Errorf("%s=%s: off %v %v paths %v, want off %v %v paths %v", g.Env, g.Value, g.Off, g.OffPaths, g.Paths, w.off, w.offPaths, recorded[i].Paths)
		}
	}
	if !got[3].SwitchesOff("pool_v2_fallback") || !got[3].SwitchesOff("pool_v2_alloc") || got[1].SwitchesOff("tiny_refill") {
		t.Errorf("SwitchesOff disagrees with Off and OffPaths: %+v %+v", got[3], got[1])
	}
	// Values this build cannot parse leave the recording as it was.
	bad := []target.Gate{{Env: "HAKMEM_SS_MAX", Value: "lots", Paths: []string{"tiny_fallback"}, Off: true}}
	if g := Decided(bad); !g[0].Off || g[0].OffPaths != nil {
		t.Errorf("unparsable value: %+v, want the recorded gate", g[0])
	}
}

// TestGatesOffPaths: Gates fills Off when a value switches every guarded
// path off and leaves OffPaths empty then, as for a value that switches
// none off.
func TestGatesOffPaths(t *testing.T) {
	for _, g := range Gates(allocator.DefaultConfig()) {
		if len(g.OffPaths) != 0 {
			t.Errorf("%s: OffPaths %v on default settings, where every value switches all or none of its paths off", g.Env, g.OffPaths)
		}
		if want := map[string]bool{"HAKMEM_SS_MAX": true, "HAKMEM_SS_MEM_LEAN": true, "HAKMEM_POOL_V2_ENABLED": true}[g.Env]; g.Off != want {
			t.Errorf("%s=%s: Off %v, want %v", g.Env, g.Value, g.Off, want)
		}
	}
}

// TestClassPaths: each class's counter roles name the paths of the table
// in classPaths, and which pool classes hotbox v2 serves follows the gates.
func TestClassPaths(t *testing.T) {
	cfg := allocator.DefaultConfig()
	for env, v := range map[string]string{"HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_CLASSES": "0x05"} {
		if err := cfg.Set(env, v); err != nil {
			t.Fatal(err)
		}
	}
	s := Schema(cfg)
	for _, tc := range []struct {
		class string
		role  target.Role
		want  string
	}{
		{"C3", target.RoleRefill, "tiny_refill"}, {"C3", target.RoleFreeFallback, "tiny_flush"}, {"C3", target.RoleRefillFail, "tiny_fallback"},
		{"P0", target.RoleFast, "pool_v2_alloc"}, {"P0", target.RoleFallback, "pool_v2_fallback"}, {"P0", target.RoleFreeFallback, "pool_v2_free"},
		{"P1", target.RoleFast, "pool_v1_alloc"}, {"P1", target.RoleFallback, "tiny_fallback"}, {"P1", target.RoleFreeFallback, "large_unmap"},
		{"P2", target.RoleFreeFast, "pool_v2_free"}, {"L", target.RoleRefill, "large_map"}, {"L", target.RoleRemote, "remote_push"},
	} {
		i := slices.IndexFunc(s.Classes, func(c target.Class) bool { return c.Name == tc.class })
		if got := s.Classes[i].Paths[tc.role]; got != tc.want || s.PathIndex(got) < 0 {
			t.Errorf("%s %s: path %q, want %q", tc.class, tc.role, got, tc.want)
		}
	}
	if !slices.Equal(s.Notes, []string{"pool classes served by hotbox v2: 0x05"}) {
		t.Errorf("notes %q", s.Notes)
	}
	if d := Schema(allocator.DefaultConfig()); d.Classes[8].Paths[target.RoleFast] != "pool_v1_alloc" || d.Notes[0] != "pool classes served by hotbox v2: 0x00" {
		t.Errorf("default: P0 fast on %q, notes %q; want pool v1 and no v2 class", d.Classes[8].Paths[target.RoleFast], d.Notes)
	}
}
