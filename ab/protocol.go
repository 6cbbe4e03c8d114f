package ab

// The protocol owns the order of child runs: one discarded warm-up per arm,
// then A B A B … so slow drift (thermal, other tenants) lands on both arms
// alike. It knows nothing about processes or statistics: it calls a Runner
// and collects the reports into an Outcome, which Analyze judges.

import (
	"context"
	"fmt"
	"github.com/haktop/haktop/workload"
)

// DefaultRuns is the number of measured runs per arm when Options.Runs is 0.
const DefaultRuns = 10

// Options configures Execute.
type Options struct {
	Runs int // measured runs per arm; 0 means DefaultRuns
	// Progress, if set, is called after every finished child (warm-ups
	// included) with the number done and the number planned.
	Progress func(done, total int)
}

// Run is one finished child run.
type Run struct {
	Arm    string               `json:"arm"`    // "A" or "B"
	Warmup bool                 `json:"warmup"` // warm-ups are discarded by Analyze
	Report workload.BenchReport `json:"report"`
}

// Outcome is what a comparison produced: the arms, every finished run in
// execution order, and whether it was cut short.
type Outcome struct {
	A, B        Arm
	Planned     int   // measured runs planned per arm
	Runs        []Run // warm-ups and measured runs, in execution order
	Interrupted bool  // ctx was cancelled before every planned run finished
}

// Measured returns the reports of arm name's measured (non-warm-up) runs.
func (o Outcome) Measured(name string) []workload.BenchReport {
	var out []workload.BenchReport
	for _, r := range o.Runs {
		if r.Arm == name && !r.Warmup {
			out = append(out, r.Report)
		}
	}
	return out
}

// Execute runs the protocol with r and returns the Outcome. When ctx is
// cancelled it stops, discards the run in flight and returns what finished
// with Interrupted set and a nil error. A child that fails stops the
// comparison: the error names the arm and the run.
func Execute(ctx context.Context, r Runner, a, b Arm, opt Options) (Outcome, error) {
	runs := opt.Runs
	if runs == 0 {
		runs = DefaultRuns
	}
	if runs < 1 {
		return Outcome{}, fmt.Errorf("runs %d is not valid: want a positive number of runs per arm", runs)
	}
	o := Outcome{A: a, B: b, Planned: runs}
	type step struct {
		arm    Arm
		warmup bool
	}
	plan := []step{{a, true}, {b, true}}
	for range runs {
		plan = append(plan, step{a, false}, step{b, false})
	}
	for i, s := range plan {
		if ctx.Err() != nil {
			o.Interrupted = true
			return o, nil
		}
		rep, err := r.Run(ctx, s.arm)
		if ctx.Err() != nil {
			o.Interrupted = true
			return o, nil
		}
		if err == nil {
			err = checkReport(rep, s.arm)
		}
		if err != nil {
			what := "warm-up"
			if !s.warmup {
				what = fmt.Sprintf("run %d of %d", (i-2)/2+1, runs)
			}
			return o, fmt.Errorf("arm %s %s: %w", s.arm.Name, what, err)
		}
		o.Runs = append(o.Runs, Run{Arm: s.arm.Name, Warmup: s.warmup, Report: rep})
		if opt.Progress != nil {
			opt.Progress(i+1, len(plan))
		}
	}
	return o, nil
}
