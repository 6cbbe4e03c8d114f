// Package embedded describes haktop's own allocator (package allocator) as a
// target: its registries as a target.Schema, its Snapshot as a target.Snapshot.
package embedded

// The only package above allocator/ and workload/ that reads allocator's
// registries and types; everything else sees the embedded allocator through
// package target, as it would see any other allocator.

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
)

// Name is the embedded target's name in a Schema.
const Name = "embedded"

// Package is the allocator's import path, as pprof prefixes its functions.
var Package = allocator.PkgPath

// EnvPrefix begins every gate's environment variable: the gates' namespace.
const EnvPrefix = allocator.EnvPrefix

// ProfileEnv is the gate that picks a preset of the other gates' values
// (HAKMEM_PROFILE): its effect shows in the gates it sets.
const ProfileEnv = allocator.ProfileEnv

// counterRoles gives each allocator.Counters field, in field order (the
// order its json tags name the columns), its role.
var counterRoles = [...]target.Role{
	target.RoleCalls, target.RoleFast, target.RoleRefill, target.RoleRefillFail, target.RoleFallback,
	target.RoleFree, target.RoleFreeFast, target.RoleRemote, target.RoleFreeFallback,
}

// NumCounters is how many counters each class row has.
const NumCounters = len(counterRoles)

// CounterNames are the counters' names: allocator.Counters' json tags, in
// field order. Every list of counter names above the allocator is this one.
var CounterNames = func() [NumCounters]string {
	var out [NumCounters]string
	t := reflect.TypeFor[allocator.Counters]()
	if t.NumField() != NumCounters {
		panic("embedded: allocator.Counters has a field without a role")
	}
	for i := range out {
		out[i] = t.Field(i).Tag.Get("json")
	}
	return out
}()

// gaugeNames are allocator.MemoryStats' json tags, in field order.
var gaugeNames = func() []string {
	t := reflect.TypeFor[allocator.MemoryStats]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Tag.Get("json")
	}
	return out
}()

// countingGauges are the gauges of allocator.MemoryStats that count
// events (map and unmap calls so far) rather than a level.
var countingGauges = func() []string {
	t := reflect.TypeFor[allocator.MemoryStats]()
	var out []string
	for _, name := range []string{"SuperslabMaps", "SuperslabUnmaps"} {
		f, ok := t.FieldByName(name)
		if !ok {
			panic("embedded: allocator.MemoryStats has no field " + name)
		}
		out = append(out, f.Tag.Get("json"))
	}
	return out
}()

// Schema describes the embedded allocator running under cfg: every class,
// counter and path of its registries and every gate with cfg's value.
func Schema(cfg allocator.Config) target.Schema {
	poolV2 := PoolV2Classes(cfg)
	s := target.Schema{
		Target:   Name,
		Package:  Package,
		Entry:    allocator.EntryFuncs,
		Classes:  make([]target.Class, allocator.NumClasses),
		Counters: make([]target.Counter, NumCounters),
		Paths:    make([]target.Path, allocator.NumPaths),
		Gates:    Gates(cfg),
		Invalid:  make([]string, 0, 4),
		Gauges:   gaugeNames,
		Counting: countingGauges,
		Counted:  allocator.StatsCompiled,
		Notes:    []string{fmt.Sprintf("pool classes served by hotbox v2: 0x%02X", poolV2)},
	}
	for c := range s.Classes {
		min, max := 1, allocator.ClassSize(c)
		if c > 0 {
			min = allocator.ClassSize(c-1) + 1
		}
		if c == allocator.LargeClass {
			min, max = allocator.ClassSize(c), 0 // its size is its smallest request; no upper bound
		}
		s.Classes[c] = target.Class{Name: allocator.ClassName(c), Min: min, Max: max, Tier: allocator.Tier(c), Paths: classPaths(c, poolV2), NoFast: !allocator.FastMeasured(c)}
	}
	for k := range s.Counters {
		s.Counters[k] = target.Counter{Name: CounterNames[k], Role: counterRoles[k]}
	}
	for p, path := range allocator.Paths {
		s.Paths[p] = target.Path{ID: path.Key, Name: path.Name, Tier: pathTier(allocator.PathID(p)), Funcs: path.Funcs}
	}
	for k := allocator.InvalidKind(0); k <= allocator.Unknown; k++ {
		s.Invalid = append(s.Invalid, k.Key())
	}
	return s
}

// PoolV2Classes returns the pool classes hotbox v2 serves under cfg, as a
// bit mask (bit i = P_i); 0 when v2 is off.
func PoolV2Classes(cfg allocator.Config) uint8 {
	if !cfg.PoolV2Enabled {
		return 0
	}
	return cfg.PoolV2Classes
}

// classPaths returns the path each counter role of class c belongs to, by
// this table (v2: a pool class hotbox v2 serves, bit c-NumTinyClasses of
// poolV2):
//
//	                 tiny C*        pool v1        pool v2           large L
//	alloc_fast       tiny_fast      pool_v1_alloc  pool_v2_alloc     large_map
//	alloc_refill     tiny_refill    pool_v1_alloc  pool_v2_alloc     large_map
//	alloc_fallback   tiny_fallback  tiny_fallback  pool_v2_fallback  large_map
//	free_fast        tiny_fast      pool_v1_free   pool_v2_free      large_unmap
//	free_remote      remote_push    remote_push    remote_push       remote_push
//	free_fallback    tiny_flush     large_unmap    pool_v2_free      large_unmap
//
// alloc_refill_fail goes with alloc_fallback (a failed refill falls back);
// alloc_calls and free_calls are split the way their parts are. A tiny
// class's free_fallback also counts frees of blocks a failed refill took
// from the large tier; they are shown under tiny_flush, the common case,
// and path_hits tells the two apart.
func classPaths(c int, poolV2 uint8) map[target.Role]string {
	var fast, refill, fallback, freeFast, freeFallback allocator.PathID
	switch {
	case c < allocator.NumTinyClasses:
		fast, refill, fallback, freeFast, freeFallback = allocator.PathTinyFast, allocator.PathTinyRefill, allocator.PathTinyFallback, allocator.PathTinyFast, allocator.PathTinyFlush
	case c == allocator.LargeClass:
		fast, refill, fallback, freeFast, freeFallback = allocator.PathLargeMap, allocator.PathLargeMap, allocator.PathLargeMap, allocator.PathLargeUnmap, allocator.PathLargeUnmap
	case poolV2&(1<<(c-allocator.NumTinyClasses)) != 0:
		fast, refill, fallback, freeFast, freeFallback = allocator.PathPoolV2Alloc, allocator.PathPoolV2Alloc, allocator.PathPoolV2Fallback, allocator.PathPoolV2Free, allocator.PathPoolV2Free
	default:
		fast, refill, fallback, freeFast, freeFallback = allocator.PathPoolV1Alloc, allocator.PathPoolV1Alloc, allocator.PathTinyFallback, allocator.PathPoolV1Free, allocator.PathLargeUnmap
	}
	return map[target.Role]string{
		target.RoleFast: fast.String(), target.RoleRefill: refill.String(),
		target.RoleRefillFail: fallback.String(), target.RoleFallback: fallback.String(),
		target.RoleFreeFast: freeFast.String(), target.RoleRemote: allocator.PathRemotePush.String(),
		target.RoleFreeFallback: freeFallback.String(),
	}
}

// DefaultSchema is Schema of the default configuration: the embedded
// allocator's shape with every gate at its default.
func DefaultSchema() target.Schema { return Schema(allocator.DefaultConfig()) }

// pathTier returns the tier a path serves, "" for one that serves several.
func pathTier(p allocator.PathID) string {
	switch p {
	case allocator.PathTinyFast, allocator.PathTinyRefill, allocator.PathTinyFlush:
		return "tiny"
	case allocator.PathPoolV1Alloc, allocator.PathPoolV1Free, allocator.PathPoolV2Alloc, allocator.PathPoolV2Free, allocator.PathPoolV2Fallback:
		return "pool"
	case allocator.PathLargeMap, allocator.PathLargeUnmap:
		return "large"
	}
	return ""
}

// Gates returns every gate of the registry with its effective value in cfg.
func Gates(cfg allocator.Config) []target.Gate {
	values := cfg.Gates()
	out := make([]target.Gate, len(values))
	for i, v := range values {
		decl := allocator.Gates.Lookup(v.Env)
		paths := make([]string, len(v.Paths))
		for j, p := range v.Paths {
			paths[j] = p.String()
		}
		var offPaths []string // only when some paths are off, not every one (target.Gate.OffPaths)
		if !v.Off {
			for _, p := range v.OffPaths {
				offPaths = append(offPaths, p.String())
			}
		}
		out[i] = target.Gate{
			Env: v.Env, Kind: decl.Kind.String(), Default: decl.Default, Accepted: decl.Accepted(), Values: decl.Values,
			Value: v.Value, Source: v.Source.String(), Paths: paths, Off: v.Off, OffPaths: offPaths, Cycle: decl.Next,
		}
	}
	return out
}

// SchemaFrom returns the schema of the allocator configured by lookup (an
// environment: os.LookupEnv, or an A/B arm's pairs), or an error naming
// the bad variable and its accepted forms.
func SchemaFrom(lookup func(string) (string, bool)) (target.Schema, error) {
	cfg, err := allocator.ConfigFrom(lookup)
	if err != nil {
		return target.Schema{}, err
	}
	return Schema(cfg), nil
}

// LooksLikeGate reports whether name is in the gates' namespace
// (EnvPrefix, in any case): a variable the allocator may read.
func LooksLikeGate(name string) bool { return allocator.LooksLikeGate(name) }

// ClosestGate returns the declared gate whose name is nearest to name.
func ClosestGate(name string) string { return allocator.Gates.Closest(name) }

// ConfigOf returns the Config of gate values, such as a recording holds
// (HAKMEM_PROFILE is left out: the values already include its preset's),
// or an error when one does not parse (a recording from another build).
func ConfigOf(gates []target.Gate) (allocator.Config, error) {
	return allocator.ConfigFrom(func(env string) (string, bool) {
		if env == allocator.ProfileEnv {
			return "", false
		}
		for _, g := range gates {
			if g.Env == env {
				return g.Value, true
			}
		}
		return "", false
	})
}

// Decided returns recorded gate values of the embedded allocator with
// their Off and OffPaths decided again by this build's registry: which
// paths a value switches off is the registry's to say, and an older
// build's file may have said otherwise (before HAKMEM_SS_MAX=0 switched
// the fallback off). Env, value, source and paths stay as recorded. When
// the values do not parse, the gates are returned as recorded.
func Decided(gates []target.Gate) []target.Gate {
	cfg, err := ConfigOf(gates)
	if err != nil {
		return gates
	}
	off := map[string][]string{}
	for _, g := range cfg.Gates() {
		for _, p := range g.OffPaths {
			off[g.Env] = append(off[g.Env], p.String())
		}
	}
	out := make([]target.Gate, len(gates))
	for i, g := range gates {
		offs := off[g.Env]
		g.Off = len(g.Paths) > 0 && !slices.ContainsFunc(g.Paths, func(p string) bool { return !slices.Contains(offs, p) })
		g.OffPaths = nil
		for _, p := range offs {
			if !g.Off || !slices.Contains(g.Paths, p) {
				g.OffPaths = append(g.OffPaths, p)
			}
		}
		out[i] = g
	}
	return out
}

// Recorded returns s, a recording's schema of the embedded allocator, as
// the allocator was under the recorded gate values: the gates those values
// with what each switches off decided again (Decided), and each class's
// Paths and the Notes as this build's table gives them for the values
// (the counter profile's mapping; v2 counts as off when the values do not
// parse). A class this build lacks keeps the file's.
func Recorded(s target.Schema, gates []target.Gate) target.Schema {
	cfg, err := ConfigOf(gates)
	if err != nil {
		cfg = allocator.DefaultConfig()
	}
	local := Schema(cfg)
	s = s.WithGates(Decided(gates))
	s.Classes = slices.Clone(s.Classes)
	for i, c := range s.Classes {
		if j := slices.IndexFunc(local.Classes, func(l target.Class) bool { return l.Name == c.Name }); j >= 0 {
			s.Classes[i].Paths = local.Classes[j].Paths
		}
	}
	s.Notes = local.Notes
	return s
}

// Snapshot copies a into dst, which must be shaped by a Schema of this
// package (target.Schema.NewSnapshot); Ops and Proc are left as they are.
func Snapshot(a *allocator.Snapshot, dst *target.Snapshot) {
	for c := range a.Classes {
		k := &a.Classes[c].Counters
		row := dst.Counters[c*NumCounters : (c+1)*NumCounters : (c+1)*NumCounters]
		row[0], row[1], row[2], row[3], row[4] = k.AllocCalls, k.AllocFast, k.AllocRefill, k.AllocRefillFail, k.AllocFallback
		row[5], row[6], row[7], row[8] = k.FreeCalls, k.FreeFast, k.FreeRemote, k.FreeFallback
	}
	copy(dst.Paths, a.Paths[:])
	inv := a.Invalid
	dst.Invalid[0], dst.Invalid[1], dst.Invalid[2], dst.Invalid[3] = inv.HeaderMissing, inv.OutOfRange, inv.Misaligned, inv.Unknown
	m := a.Memory
	copy(dst.Gauges, []uint64{m.SuperslabsMapped, m.SuperslabsPeak, m.SuperslabMaps, m.SuperslabUnmaps, m.LargeBlocks, m.LargeBytes, m.MappedBytes})
	dst.Heaps = a.Heaps
}

// shape is the schema every embedded snapshot is shaped by: gates change
// values, never the classes, counters, paths or invalid kinds.
var shape = DefaultSchema()

// Of returns a as a target.Snapshot (a new one; Proc and Ops are left 0).
func Of(a *allocator.Snapshot) target.Snapshot {
	snap := shape.NewSnapshot()
	Snapshot(a, &snap)
	return snap
}

// Source returns the sampler's Source for a: each call reads a's counters
// now. The process figures are left 0: the target runs in the caller's
// process, whose sampler reads them (sampler.Options.InProcess).
func Source(a *allocator.Allocator) func() target.Snapshot {
	return func() target.Snapshot {
		s := a.Snapshot()
		return Of(&s)
	}
}

// Allocator returns snap, shaped by schema s (a recording's, say), in the
// embedded allocator's own layout: each class, counter, path and invalid
// kind found by name, one this build does not know dropped: for tests
// that check a target.Snapshot against the allocator's own layout.
func Allocator(s *target.Schema, snap *target.Snapshot) allocator.Snapshot {
	var out allocator.Snapshot
	for c := range out.Classes {
		out.Classes[c] = allocator.ClassStats{Class: allocator.ClassName(c), Size: allocator.ClassSize(c), Tier: allocator.Tier(c)}
	}
	out.StatsCompiled, out.Heaps = s.Counted, snap.Heaps
	if !s.Fits(snap) {
		return out
	}
	n := len(s.Counters)
	var cols [NumCounters]int
	for k := range cols {
		cols[k] = s.CounterNamed(CounterNames[k])
	}
	same := s.SameShape(&shape)
	for c := range out.Classes {
		fc := c
		if !same {
			fc = s.ClassIndex(allocator.ClassName(c))
		}
		if fc < 0 {
			continue
		}
		row := snap.Counters[fc*n : (fc+1)*n]
		v := func(k int) uint64 {
			if cols[k] < 0 {
				return 0
			}
			return row[cols[k]]
		}
		out.Classes[c].Counters = allocator.Counters{
			AllocCalls: v(0), AllocFast: v(1), AllocRefill: v(2), AllocRefillFail: v(3), AllocFallback: v(4),
			FreeCalls: v(5), FreeFast: v(6), FreeRemote: v(7), FreeFallback: v(8),
		}
	}
	for p := range out.Paths {
		fp := p
		if !same {
			fp = s.PathIndex(allocator.PathID(p).String())
		}
		if fp >= 0 {
			out.Paths[p] = snap.Paths[fp]
		}
	}
	inv := func(k allocator.InvalidKind) uint64 {
		i := int(k)
		if !same {
			i = slices.Index(s.Invalid, k.Key())
		}
		if i < 0 {
			return 0
		}
		return snap.Invalid[i]
	}
	out.Invalid = allocator.Invalid{HeaderMissing: inv(allocator.HeaderMissing), OutOfRange: inv(allocator.OutOfRange),
		Misaligned: inv(allocator.Misaligned), Unknown: inv(allocator.Unknown)}
	if len(snap.Gauges) == len(s.Gauges) && slices.Equal(s.Gauges, gaugeNames) {
		g := snap.Gauges
		out.Memory = allocator.MemoryStats{SuperslabsMapped: g[0], SuperslabsPeak: g[1], SuperslabMaps: g[2], SuperslabUnmaps: g[3],
			LargeBlocks: g[4], LargeBytes: g[5], MappedBytes: g[6]}
	}
	return out
}

// largeBytesGauge names allocator.MemoryStats.LargeBytes among the gauges.
var largeBytesGauge = func() string {
	f, _ := reflect.TypeFor[allocator.MemoryStats]().FieldByName("LargeBytes")
	return f.Tag.Get("json")
}()

// LargeBytes returns the bytes in large blocks in snap, shaped by s (this
// package's schema or a recording's): large blocks have no class size, so
// the allocator counts their bytes. 0 when snap does not fit s or s has no
// such gauge.
func LargeBytes(s *target.Schema, snap *target.Snapshot) uint64 {
	i := slices.Index(s.Gauges, largeBytesGauge)
	if i < 0 || !s.Fits(snap) || len(snap.Gauges) != len(s.Gauges) {
		return 0
	}
	return snap.Gauges[i]
}
