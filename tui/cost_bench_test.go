package tui

// What running the screen costs the workload: random_mixed on one worker
// for a fixed duration, headless exactly as `haktop bench` runs it, against
// the same run under the full live TUI (engine with sampler and CPU
// profiler, a Bubble Tea program at 120x40 rendering at 10 frames/s into
// io.Discard). Runs alternate so machine noise hits both arms alike; the
// issue's budget is 3% of ops/s.
//
//	go test ./tui -run XXX -bench TUICost -benchtime 1x
//
// HAKTOP_COST_ROUNDS and HAKTOP_COST_SECONDS change the defaults (5 rounds
// of 2 s per arm).

import (
	"context"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

func BenchmarkTUICost(b *testing.B) {
	rounds, seconds := envInt("HAKTOP_COST_ROUNDS", 5), envInt("HAKTOP_COST_SECONDS", 2)
	spec := workload.DefaultSpec(workload.RandomMixed)
	spec.Cycles, spec.Duration = 0, time.Duration(seconds)*time.Second
	for b.Loop() {
		var bench, tui []float64
		for range rounds {
			bench = append(bench, benchOps(b, spec))
			tui = append(tui, tuiOps(b, spec))
		}
		mb, mt := median(bench), median(tui)
		b.ReportMetric(mb/1e6, "bench-Mops/s")
		b.ReportMetric(mt/1e6, "tui-Mops/s")
		b.ReportMetric(100*(mb-mt)/mb, "cost-%")
		b.Logf("bench ops/s %v", bench)
		b.Logf("tui   ops/s %v", tui)
	}
}

// benchOps runs spec headless, as haktop bench does, and returns its ops/s.
func benchOps(b *testing.B, spec workload.Spec) float64 {
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	run, err := workload.Start(context.Background(), a, spec)
	if err != nil {
		b.Fatal(err)
	}
	return run.Wait().OpsPerSec()
}

// tuiOps runs spec under the live screen and returns its ops/s.
func tuiOps(b *testing.B, spec workload.Spec) float64 {
	e, err := live.NewEngine(live.EngineConfig{Spec: spec, Alloc: embedded.DefaultConfig(), Profile: os.Getenv("HAKTOP_COST_PROFILE") != "0", Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("HAKTOP_COST_SCREEN") == "0" {
		ops := e.Wait().OpsPerSec()
		e.Close()
		return ops
	}
	p := tea.NewProgram(New(e, Options{Dark: true}),
		tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40),
		tea.WithFPS(MaxFPS), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	ops := e.Wait().OpsPerSec()
	p.Quit()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if !e.Frame().Status.Profiling {
		b.Logf("CPU profiling was off: %s", e.Frame().Status.Note)
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	return ops
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
