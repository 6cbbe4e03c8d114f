// Package targettest holds a small fake target for tests: three classes, two
// counters and one gate, nothing like the embedded allocator's shape.
package targettest

// Tests of sampler, profile, live, tui and cmd/haktop run this target
// through their code to prove nothing above package target is still wired
// to the embedded allocator's 16 classes, 9 counters and 8 gates.

import "github.com/haktop/haktop/target"

// The fake's gate and its one gated path.
const (
	GateEnv   = "FAKE_TURBO"
	TurboPath = "turbo"
	PlainPath = "plain"
)

// Schema returns the fake target's schema with its gate at value ("0" or "1").
func Schema(value string) target.Schema {
	source := target.SourceDefault
	if value != "0" {
		source = target.SourceEnv
	}
	return target.Schema{
		Target:  "fake",
		Package: "example.com/fake",
		Classes: []target.Class{
			{Name: "small", Min: 1, Max: 64, Tier: "slab"},
			{Name: "medium", Min: 65, Max: 4096, Tier: "slab"},
			{Name: "huge", Min: 4097, Max: 0, Tier: "mmap"},
		},
		Counters: []target.Counter{{Name: "mallocs", Role: target.RoleCalls}, {Name: "frees", Role: target.RoleFree}},
		Paths: []target.Path{
			{ID: PlainPath, Name: "plain malloc", Tier: "slab", Funcs: []string{"example.com/fake.plainMalloc"}},
			{ID: TurboPath, Name: "turbo malloc", Tier: "slab", Funcs: []string{"example.com/fake.turboMalloc"}},
		},
		Gates: []target.Gate{{
			Env: GateEnv, Kind: target.KindBool, Default: "0", Accepted: "0 or 1",
			Value: value, Source: source, Paths: []string{TurboPath}, Off: value == "0",
		}},
		Invalid: []string{"bad_free"},
		Gauges:  []string{"arenas"},
		Counted: true,
	}
}

// Snapshot returns a snapshot of the fake after tick ticks: class c has
// made (c+1)*1000*tick mallocs and as many frees, the plain path took every
// small and medium malloc and, when turbo is on, the turbo path took the
// medium ones too.
func Snapshot(s *target.Schema, tick int, turbo bool) target.Snapshot {
	snap := s.NewSnapshot()
	n := uint64(tick)
	for c := range s.Classes {
		calls := uint64(c+1) * 1000 * n
		snap.Counters[c*2], snap.Counters[c*2+1] = calls, calls
	}
	snap.Paths[0] = 1000*n + 2000*n
	if turbo {
		snap.Paths[1] = 2000 * n
	}
	snap.Gauges[0] = 2
	snap.Ops = int64(2 * 6000 * n)
	snap.Heaps = 1
	return snap
}
