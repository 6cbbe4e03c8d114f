package ab

// fakeRunner is a deterministic Runner for the truth tests: seeded Gaussian
// noise around a base throughput, a per-arm work factor, and path hits that
// follow the arm's configuration the way the real allocator's do for two
// workloads (tiny_hot touches only tiny paths; mid_pool takes pool v2 paths
// exactly when HAKMEM_POOL_V2_ENABLED is on).

import (
	"context"
	"math/rand/v2"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target/embedded"
)

type fakeRunner struct {
	rng      *rand.Rand
	workload string
	base     float64            // ops/s of one unit of work
	noise    float64            // relative stdev of each run
	work     map[string]float64 // arm name -> work per op (default 1)
	noStats  map[string]bool    // arm name -> report zero hits (haktop_nostats)
	calls    []string           // arm names, in call order
	cancelAt int                // cancel after this many calls (0: never)
	cancel   context.CancelFunc
}

func newFake(seed uint64, workload string, noise float64) *fakeRunner {
	return &fakeRunner{
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		workload: workload,
		base:     50e6,
		noise:    noise,
		work:     map[string]float64{},
		noStats:  map[string]bool{},
	}
}

func (f *fakeRunner) Run(ctx context.Context, arm Arm) (profile.RunReport, error) {
	f.calls = append(f.calls, arm.Name)
	if f.cancelAt > 0 && len(f.calls) == f.cancelAt {
		f.cancel() // the run in flight is cut short, like a SIGINT
	}
	if err := ctx.Err(); err != nil {
		return profile.RunReport{}, err
	}
	cfg, err := allocator.ConfigFrom(arm.lookup)
	if err != nil {
		return profile.RunReport{}, err
	}
	work := f.work[arm.Name]
	if work == 0 {
		work = 1
	}
	const cycles = 1_000_000
	ops := f.base / work * (1 + f.noise*f.rng.NormFloat64())
	rep := profile.RunReport{Workload: f.workload, Workers: 1, Cycles: cycles, Seconds: cycles / ops, OpsPerSec: ops,
		Allocs: cycles / 2, Frees: cycles / 2, StatsCompiled: !f.noStats[arm.Name]}
	hits := f.hits(cfg, cycles)
	for id := range allocator.NumPaths {
		p := allocator.Paths[id]
		h := hits[id]
		if f.noStats[arm.Name] {
			h = 0
		}
		rep.Paths = append(rep.Paths, profile.PathReport{ID: p.Key, Name: p.Name, Hits: h})
	}
	for _, g := range embedded.Gates(cfg) {
		rep.Gates = append(rep.Gates, profile.GateVerdict{Gate: g})
	}
	return rep, nil
}

// hits models which paths a workload takes under cfg.
func (f *fakeRunner) hits(cfg allocator.Config, cycles uint64) [allocator.NumPaths]uint64 {
	var h [allocator.NumPaths]uint64
	switch f.workload {
	case "tiny_hot":
		h[allocator.PathTinyFast] = cycles
		h[allocator.PathTinyRefill] = 1
		h[allocator.PathSuperslabMap] = 1
	case "mid_pool":
		if cfg.PoolV2Enabled && cfg.PoolV2Classes != 0 {
			h[allocator.PathPoolV2Alloc], h[allocator.PathPoolV2Free] = cycles/2, cycles/2
		} else {
			h[allocator.PathPoolV1Alloc], h[allocator.PathPoolV1Free] = cycles/2, cycles/2
		}
	}
	return h
}

func mustArm(t interface{ Fatalf(string, ...any) }, name, spec, tags string) Arm {
	a, err := ParseArm(name, spec, tags)
	if err != nil {
		t.Fatalf("ParseArm(%q, %q, %q): %v", name, spec, tags, err)
	}
	return a
}
