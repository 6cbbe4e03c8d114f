package ab

// The protocol owns the order of child runs: one discarded warm-up per arm,
// then A B A B … so slow drift (thermal, other tenants) lands on both arms
// alike. It knows nothing about processes: it calls a Runner and collects
// the reports into an Outcome, which Analyze judges. With Options.Auto it
// also plans: a pilot of MinRuns() pairs, a run count from the pilot's CV
// (power.go's Plan), and the sequential design's early-stop looks, at which
// it stops when the look's test rejects.

import (
	"context"
	"fmt"
	"math"

	"github.com/aclements/go-moremath/stats"
	"github.com/haktop/haktop/profile"
)

// DefaultRuns is the number of measured runs per arm when Options.Runs is 0.
const DefaultRuns = 10

// Options configures Execute.
type Options struct {
	Runs int // measured runs per arm; 0 means DefaultRuns; ignored with Auto
	// ExpectPercent, if positive, is the change the user hopes to see: the
	// report says how many runs it needs (--expect).
	ExpectPercent float64
	// Auto plans the runs for ExpectPercent after a pilot, at most MaxRuns
	// per arm, and stops early when the sequential design allows (--runs auto).
	Auto    bool
	MaxRuns int // 0 means DefaultMaxRuns
	// Design, if it has looks, is run instead of FixedDesign(Runs): its
	// final look sets the runs per arm and it stops at an interim look that
	// rejects. Auto replaces it with the planned SequentialDesign.
	Design Design
	// Progress, if set, is called after every finished child (warm-ups
	// included) with the number done and the number planned.
	Progress func(done, total int)
	// OnPlan, if set, is called once --runs auto has planned, before the
	// runs past the pilot.
	OnPlan func(AutoPlan)
}

// Run is one finished child run.
type Run struct {
	Arm    string            `json:"arm"`    // "A" or "B"
	Warmup bool              `json:"warmup"` // warm-ups are discarded by Analyze
	Report profile.RunReport `json:"report"`
}

// AutoPlan is what Execute decided for --runs auto.
type AutoPlan struct {
	PilotRuns int      `json:"pilot_runs"` // per arm, part of the measured runs
	Plan      RunsPlan `json:"plan"`       // planned at the pilot's blinded CV
}

// Outcome is what a comparison produced: the arms, every finished run in
// execution order, and whether it was cut short.
type Outcome struct {
	A, B    Arm
	Planned int       // measured runs planned per arm
	Expect  float64   // Options.ExpectPercent
	MaxRuns int       // Options.MaxRuns, or DefaultMaxRuns
	Design  Design    // the decision rule; zero means FixedDesign(Planned)
	Auto    *AutoPlan // set with Options.Auto
	// StoppedAt is the number of runs per arm after which an early-stop
	// look rejected, 0 when the comparison ran to its final look.
	StoppedAt   int
	Runs        []Run // warm-ups and measured runs, in execution order
	Interrupted bool  // ctx was cancelled before every planned run finished
}

// design returns o's decision rule.
func (o Outcome) design() Design {
	if len(o.Design.Looks) == 0 {
		return FixedDesign(o.Planned)
	}
	return o.Design
}

// Measured returns the reports of arm name's measured (non-warm-up) runs.
func (o Outcome) Measured(name string) []profile.RunReport {
	var out []profile.RunReport
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
	maxRuns := opt.MaxRuns
	if maxRuns == 0 {
		maxRuns = DefaultMaxRuns
	}
	if len(opt.Design.Looks) > 0 {
		runs = opt.Design.Final().RunsA
	}
	if opt.Auto {
		if maxRuns < MinRuns() || !(opt.ExpectPercent > 0) {
			return Outcome{}, fmt.Errorf("auto runs need a positive expected change and a cap of %d runs or more, got %v%% and %d", MinRuns(), opt.ExpectPercent, maxRuns)
		}
		runs = MinRuns() // the pilot; the plan extends it
	}
	if runs < 1 {
		return Outcome{}, fmt.Errorf("runs %d is not valid: want a positive number of runs per arm", runs)
	}
	cfgA, err := a.Schema()
	if err != nil {
		return Outcome{}, fmt.Errorf("arm A: %v", err)
	}
	cfgB, err := b.Schema()
	if err != nil {
		return Outcome{}, fmt.Errorf("arm B: %v", err)
	}
	o := Outcome{A: a, B: b, Planned: runs, Expect: opt.ExpectPercent, MaxRuns: maxRuns}
	if opt.Auto {
		o.Auto = &AutoPlan{PilotRuns: runs}
	}
	looks := map[int]Look{} // measured pairs -> early-stop look
	setDesign := func(d Design) {
		o.Design = d
		for _, l := range d.Looks[:len(d.Looks)-1] {
			looks[l.RunsA] = l
		}
	}
	if len(opt.Design.Looks) > 0 && !opt.Auto {
		setDesign(opt.Design)
	}
	total := 2 + 2*runs
	for i := 0; i < total; i++ {
		if ctx.Err() != nil {
			o.Interrupted = true
			return o, nil
		}
		arm, cfg, warmup := a, cfgA, i < 2
		if i%2 == 1 {
			arm, cfg = b, cfgB
		}
		rep, err := r.Run(ctx, arm)
		if ctx.Err() != nil {
			o.Interrupted = true
			return o, nil
		}
		if err == nil {
			err = checkReport(rep, &cfg)
		}
		if err != nil {
			what := "warm-up"
			if !warmup {
				what = fmt.Sprintf("run %d of %d", (i-2)/2+1, o.Planned)
			}
			return o, fmt.Errorf("arm %s %s: %w", arm.Name, what, err)
		}
		o.Runs = append(o.Runs, Run{Arm: arm.Name, Warmup: warmup, Report: rep})
		pairs := (i - 1) / 2 // measured pairs done, after a B run
		if i%2 == 1 && opt.Auto && pairs == o.Auto.PilotRuns && o.Auto.Plan.Runs == 0 {
			o.Auto.Plan = Plan(opt.ExpectPercent, pilotCV(o), maxRuns, true)
			o.Planned = max(o.Auto.Plan.Runs, o.Auto.PilotRuns)
			setDesign(SequentialDesign(o.Planned))
			if opt.OnPlan != nil {
				opt.OnPlan(*o.Auto)
			}
			total = 2 + 2*o.Planned
		}
		if opt.Progress != nil {
			opt.Progress(i+1, total)
		}
		if l, ok := looks[pairs]; ok && i%2 == 1 && rejects(o, l) {
			o.StoppedAt = pairs
			return o, nil
		}
	}
	return o, nil
}

// pilotCV is the CV of every measured run so far, both arms together: blind
// to the arm, so under the null it carries no information about the ranks.
func pilotCV(o Outcome) float64 {
	v := append(opsPerSec(o.Measured("A")), opsPerSec(o.Measured("B"))...)
	return stats.StdDev(v) / stats.Mean(v)
}

// rejects reports whether look l's test rejects on o's measured runs: U
// against the critical value of the same test (power.go), or benchmath's
// test itself when runs tie.
func rejects(o Outcome, l Look) bool {
	a, b := opsPerSec(o.Measured("A")), opsPerSec(o.Measured("B"))
	u, ties := uStatistic(a, b)
	if ties {
		res, err := stats.MannWhitneyUTest(a, b, stats.LocationDiffers)
		return err == nil && !math.IsNaN(res.P) && res.P < l.Alpha
	}
	c := criticalU(len(a), len(b), l.Alpha)
	return c >= 0 && (u >= c || u <= len(a)*len(b)-c)
}
