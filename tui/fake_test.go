package tui

// A deterministic Source for the model tests: a fixed frame shaped like a
// random_mixed run with pool v2 enabled but never reached, and a log of the
// Commands it was given.

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
)

type fakeSource struct {
	mu       sync.Mutex
	frame    Frame
	commands []Command
	closed   bool
}

func newFakeSource() *fakeSource { return &fakeSource{frame: fakeFrame()} }

func (f *fakeSource) Frame() Frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frame
}

func (f *fakeSource) Apply(c Command) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands = append(f.commands, c)
	if c.Kind == CmdTogglePause {
		f.frame.Status.Paused = !f.frame.Status.Paused
		return "paused", nil
	}
	return fmt.Sprintf("did %d", c.Kind), nil
}

func (f *fakeSource) Close() error { f.closed = true; return nil }

// CheckGate checks a typed gate value with the allocator's own parser, as
// the live Engine does.
func (f *fakeSource) CheckGate(env, value string) error {
	cfg := allocator.DefaultConfig()
	return cfg.Set(env, value)
}

func (f *fakeSource) sent() []Command {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Command(nil), f.commands...)
}

// fakeFrame returns a frame with every class, path and gate filled from a
// fixed formula.
func fakeFrame() Frame {
	f := Frame{
		Workload: "random_mixed", Params: "ws=8192 seed=1", Workers: 1,
		Elapsed: 83 * time.Second, OpsPerSec: 71.2e6,
		RSS: 34 << 20, HeapInUse: 3 << 20, GCCount: 3, GCPause: 120 * time.Microsecond,
		Status: Status{Worker: -1, Profiling: true},
	}
	for i := range 30 {
		f.OpsHistory = append(f.OpsHistory, 60e6+float64(i%7)*2e6)
	}
	f.Columns, f.Live = live.ClassColumns, true // every counter role the embedded allocator counts
	for c := range allocator.NumClasses {
		cl := embedded.Schema(allocator.DefaultConfig()).Classes[c]
		r := ClassRow{Class: cl.Name, Size: allocator.ClassSize(c), SizeLabel: textfmt.ClassSize(cl.Min, cl.Max), Tier: cl.Tier}
		// alloc/s, fast %, refill/s, fallback/s, free/s, remote/s
		r.Values = []float64{0, math.NaN(), 0, 0, 0, 0}
		if c >= 1 && c < allocator.NumTinyClasses {
			allocs := float64(c) * 1.1e6
			r.Values = []float64{allocs, 0.998, allocs * 0.002, 0, allocs, 0}
			r.LiveBlocks = uint64(c) * 100
			r.LiveBytes = r.LiveBlocks * uint64(r.Size)
			for i := range 30 {
				r.History = append(r.History, allocs*(0.5+float64(i%5)/10))
			}
		}
		f.Classes = append(f.Classes, r)
	}
	for p := range allocator.NumPaths {
		path := allocator.Paths[p]
		r := PathRow{Key: path.Key, Name: path.Name, CPUPercent: 0, HitsPerSec: 0}
		if gs := allocator.Gates.Guarding(allocator.PathID(p)); len(gs) > 0 {
			r.Gate = gs[0].Env
			r.Verdict = profile.Off
		}
		switch allocator.PathID(p) {
		case allocator.PathTinyFast:
			r.CPUPercent, r.HitsPerSec, r.Verdict = 61.5, 70e6, profile.Active
		case allocator.PathTinyRefill:
			r.CPUPercent, r.HitsPerSec, r.Verdict = 4.2, 30e3, profile.Active
		case allocator.PathPoolV2Alloc, allocator.PathPoolV2Free:
			r.Verdict = profile.NeverExecuted
		}
		f.Paths = append(f.Paths, r)
	}
	f.Paths = append(f.Paths,
		PathRow{Key: "workload", Name: "workload", CPUPercent: 30.1, HitsPerSec: math.NaN()},
		PathRow{Key: "runtime/GC", Name: "runtime/GC", CPUPercent: 4.2, HitsPerSec: math.NaN()})
	for _, g := range allocator.Gates {
		r := GateRow{Env: g.Env, Value: g.Default, Source: "default", Kind: g.Kind.String()}
		r.Verdict = profile.NotApplicable
		if len(g.Paths) > 0 {
			r.Verdict = profile.Off
		}
		switch g.Env {
		case "HAKMEM_TINY_CACHE_CAP":
			r.Verdict = profile.Active
		case "HAKMEM_POOL_V2_ENABLED":
			r.Value, r.Source, r.Verdict = "1", "env", profile.NeverExecuted
		case "HAKMEM_SS_MAX":
			r.Verdict = profile.Inconsistent
		}
		f.Gates = append(f.Gates, r)
	}
	return f
}
