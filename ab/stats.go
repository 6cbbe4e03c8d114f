package ab

// Analyze turns an Outcome into a Report: per-arm summaries, the delta of the
// medians with its confidence interval and p-value, and the verdict. The
// statistics come from golang.org/x/perf/benchmath (median and its interval,
// Mann-Whitney U) and go-moremath's exact U distribution (the interval of the
// delta); this file only arranges them and applies the verdict rules.
//
// The delta's interval is the Hodges-Lehmann interval that goes with the
// Mann-Whitney test, taken on log(ops/s) so it reads as a ratio: the sorted
// pairwise differences log(b_j) - log(a_i), cut at the U distribution's
// alpha/2 critical value. It excludes 0 when, and essentially only when, the
// test rejects, so the interval and the verdict do not contradict each other;
// it is taken at the level the verdict's look tests at (95% for a fixed
// design).
//
// Beside the verdict every Report says what the run could resolve: its
// minimum detectable effect at the measured CV (power.go). Runs too few to
// ever reach p < Alpha are UNDECIDED, never NEUTRAL; arms with the same
// configuration are an A/A run, whose delta is noise by construction.

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/haktop/haktop/profile"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// Verdict is the judgement of a comparison.
type Verdict string

const (
	Go      Verdict = "GO"      // B is faster and the difference is significant
	NoGo    Verdict = "NO-GO"   // B is slower and the difference is significant
	Neutral Verdict = "NEUTRAL" // the difference is not significant
	NoOp    Verdict = "NO-OP"   // the changed gates guard only paths that never ran
	// Undecided: the runs are too few for the test to ever reach p < Alpha.
	Undecided Verdict = "UNDECIDED"
)

// Confidence is the level of each arm's median interval. The delta's
// interval is at the level of the test that decided (1 - its look's Alpha).
const Confidence = 0.95

// MaxCV is the coefficient of variation above which a Report warns that the
// machine is too noisy for a 1% verdict.
const MaxCV = 0.02

// ArmStats summarises one arm's measured runs, in ops/s.
type ArmStats struct {
	Name      string    `json:"name"`
	Env       []string  `json:"env"`
	Tags      string    `json:"tags"`
	OpsPerSec []float64 `json:"ops_per_sec"` // measured runs, in execution order
	Median    float64   `json:"median"`
	// MedianLo and MedianHi bound the median's 95% interval; MedianCI is
	// false (and both equal Median) when the runs are too few for one (< 6).
	MedianCI bool    `json:"median_ci"`
	MedianLo float64 `json:"median_lo"`
	MedianHi float64 `json:"median_hi"`
	Mean     float64 `json:"mean"`
	Stdev    float64 `json:"stdev"`
	CV       float64 `json:"cv"` // Stdev / Mean
}

// Delta compares B's median with A's.
type Delta struct {
	Percent float64 `json:"percent"` // (median B / median A - 1) * 100
	// CILo and CIHi bound the interval of the change in percent at level
	// CILevel (1 - Alpha); CI is false when the runs are too few for one.
	CI          bool    `json:"ci"`
	CILevel     float64 `json:"ci_level"`
	CILo        float64 `json:"ci_lo"`
	CIHi        float64 `json:"ci_hi"`
	P           float64 `json:"p"`     // Mann-Whitney U p-value
	Alpha       float64 `json:"alpha"` // significance threshold of the look that decided
	Significant bool    `json:"significant"`
}

// Resolution is what a comparison could detect.
type Resolution struct {
	Power float64 `json:"power"` // the detection probability MDEPercent is for
	CV    float64 `json:"cv"`    // PooledCV of the arms' CVs
	// MDEPercent is the smallest change of the median the design detects
	// with probability Power at CV; null when the runs can never reach
	// significance.
	MDEPercent *float64 `json:"mde_percent"`
	// Expect is the plan for --expect at CV, for the design that ran (nil
	// without --expect).
	Expect *RunsPlan `json:"expect"`
}

// Report is the analysed result of a comparison.
type Report struct {
	Workload    string         `json:"workload"`
	Workers     int            `json:"workers"`
	Cycles      int64          `json:"cycles"`
	Planned     int            `json:"planned_runs"` // per arm
	Design      Design         `json:"design"`
	Auto        *AutoPlan      `json:"auto"` // --runs auto's pilot, plan and early stop; null otherwise
	Interrupted bool           `json:"interrupted"`
	StoppedAt   int            `json:"stopped_early_at"` // runs per arm after which an early-stop look rejected; 0: ran to the end
	AA          bool           `json:"aa_run"`           // A and B are the same configuration
	A           ArmStats       `json:"a"`
	B           ArmStats       `json:"b"`
	Delta       Delta          `json:"delta"`
	Resolution  Resolution     `json:"resolution"`
	Verdict     Verdict        `json:"verdict"`
	Reason      string         `json:"reason"`
	Changes     []GateChange   `json:"changed_gates"`
	Paths       []PathActivity `json:"guarded_paths"`
	NoOpReason  string         `json:"noop_rule"` // why the NO-OP rule did or did not apply
	Warnings    []string       `json:"warnings"`
}

// Analyze returns the Report of o, or an error when an arm has no measured run.
func Analyze(o Outcome) (Report, error) {
	runsA, runsB := o.Measured("A"), o.Measured("B")
	if len(runsA) == 0 || len(runsB) == 0 {
		return Report{}, fmt.Errorf("no measured run finished for both arms (A %d, B %d): nothing to compare", len(runsA), len(runsB))
	}
	design := o.design()
	rep := Report{Planned: o.Planned, Design: design, Auto: o.Auto, Interrupted: o.Interrupted, StoppedAt: o.StoppedAt, Warnings: []string{}}
	first := runsA[0]
	rep.Workload, rep.Workers, rep.Cycles = first.Workload, first.Workers, first.Cycles
	if o.Interrupted {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("interrupted: %d of %d runs of A and %d of %d runs of B finished", len(runsA), o.Planned, len(runsB), o.Planned))
	}

	// The look that decides: the early-stop look that rejected, else the
	// final one; an interrupted run tests what finished at the final level.
	look := design.Final()
	if o.StoppedAt > 0 {
		for _, l := range design.Looks {
			if l.RunsA == o.StoppedAt {
				look = l
			}
		}
	}
	resolved := design
	if len(runsA) != look.RunsA || len(runsB) != look.RunsB {
		look.RunsA, look.RunsB = len(runsA), len(runsB)
		resolved = Design{Looks: []Look{look}}
	}

	thresholds := benchmath.DefaultThresholds
	thresholds.CompareAlpha = look.Alpha
	sa := benchmath.NewSample(opsPerSec(runsA), &thresholds)
	sb := benchmath.NewSample(opsPerSec(runsB), &thresholds)
	rep.A = armStats(o.A, runsA, sa, &rep.Warnings)
	rep.B = armStats(o.B, runsB, sb, &rep.Warnings)

	cmp := benchmath.AssumeNothing.Compare(sa, sb)
	rep.Delta = Delta{
		Percent:     (rep.B.Median/rep.A.Median - 1) * 100,
		CILevel:     1 - look.Alpha,
		P:           cmp.P,
		Alpha:       cmp.Alpha,
		Significant: cmp.P < cmp.Alpha,
	}
	for _, w := range cmp.Warnings {
		rep.Warnings = append(rep.Warnings, "delta: "+w.Error())
	}
	if lo, hi, ok := shiftInterval(sa.Values, sb.Values, look.Alpha); ok {
		rep.Delta.CI = true
		rep.Delta.CILo = (math.Exp(lo) - 1) * 100
		rep.Delta.CIHi = (math.Exp(hi) - 1) * 100
	}

	rep.Resolution = Resolution{Power: Power, CV: PooledCV(rep.A.CV, rep.B.CV)}
	decidable := CanDecide(len(runsA), len(runsB))
	if decidable {
		mde := MDEPercent(resolved, rep.Resolution.CV)
		rep.Resolution.MDEPercent = &mde
	}
	if o.Expect > 0 {
		plan := Plan(o.Expect, rep.Resolution.CV, max(o.MaxRuns, MinRuns()), design.Sequential())
		rep.Resolution.Expect = &plan
	}

	act, err := gateActivity(o.A, o.B, runsA, runsB)
	if err != nil {
		return Report{}, err
	}
	rep.Changes, rep.Paths, rep.NoOpReason = act.changes, act.paths, act.reason
	if rep.Changes == nil {
		rep.Changes = []GateChange{}
	}
	if rep.Paths == nil {
		rep.Paths = []PathActivity{}
	}
	rep.AA = len(act.changes) == 0 && o.A.Tags == o.B.Tags
	cmpOp := ">="
	if rep.Delta.Significant {
		cmpOp = "<"
	}
	observed := fmt.Sprintf("(p=%.3g %s %.3g)", rep.Delta.P, cmpOp, rep.Delta.Alpha)
	switch {
	case act.noop:
		rep.Verdict, rep.Reason = NoOp, act.reason
		if rep.Delta.Significant {
			rep.Reason += fmt.Sprintf("; the %+.2f%% difference is drift or noise, not the change", rep.Delta.Percent)
		}
	case !decidable:
		rep.Verdict = Undecided
		rep.Reason = fmt.Sprintf("cannot decide with %s: the Mann-Whitney test cannot reach p < %.2g with fewer than %d runs per arm",
			runsPair(len(runsA), len(runsB)), Alpha, MinRuns())
	case rep.AA:
		rep.Verdict = Neutral
		rep.Reason = fmt.Sprintf("A/A run: A and B run the same configuration, so any delta is noise; here %+.2f%% %s", rep.Delta.Percent, observed)
		if rep.Delta.Significant {
			rep.Reason += fmt.Sprintf(", a false positive (expected in %.0f%% of A/A runs) or drift between runs", rep.Delta.Alpha*100)
		}
	case rep.Delta.Significant && rep.Delta.Percent > 0:
		rep.Verdict = Go
		rep.Reason = fmt.Sprintf("B is %.2f%% faster %s", rep.Delta.Percent, observed)
	case rep.Delta.Significant && rep.Delta.Percent < 0:
		rep.Verdict = NoGo
		rep.Reason = fmt.Sprintf("B is %.2f%% slower %s", -rep.Delta.Percent, observed)
	default:
		rep.Verdict = Neutral
		rep.Reason = "no significant difference " + observed
	}
	if o.StoppedAt > 0 {
		rep.Reason += fmt.Sprintf("; stopped early after %d of %d planned runs per arm", o.StoppedAt, o.Planned)
	}
	if m := rep.Resolution.MDEPercent; m != nil && rep.Verdict != NoOp {
		what := "this run resolves"
		if o.StoppedAt > 0 {
			what = fmt.Sprintf("the plan of %d runs resolves", o.Planned)
		}
		rep.Reason += fmt.Sprintf("; %s changes of %.2f%% or more (%.0f%% power)", what, *m, Power*100)
		if rep.Verdict == Neutral && !rep.AA {
			if math.Abs(rep.Delta.Percent) < *m {
				rep.Reason += fmt.Sprintf("; the observed %+.2f%% is below it", rep.Delta.Percent)
			} else {
				rep.Reason += fmt.Sprintf("; the observed %+.2f%% is not below it, but the runs overlap too much to call it", rep.Delta.Percent)
			}
		}
	}
	return rep, nil
}

func opsPerSec(runs []profile.RunReport) []float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = r.OpsPerSec
	}
	return v
}

// armStats summarises one arm and appends its warnings.
func armStats(arm Arm, runs []profile.RunReport, s *benchmath.Sample, warnings *[]string) ArmStats {
	st := ArmStats{Name: arm.Name, Env: arm.Env, Tags: arm.Tags, OpsPerSec: opsPerSec(runs)}
	if st.Env == nil {
		st.Env = []string{}
	}
	sum := benchmath.AssumeNothing.Summary(s, Confidence)
	st.Median, st.MedianLo, st.MedianHi, st.MedianCI = sum.Center, sum.Lo, sum.Hi, true
	if math.IsInf(st.MedianLo, 0) || math.IsInf(st.MedianHi, 0) {
		st.MedianLo, st.MedianHi, st.MedianCI = st.Median, st.Median, false
	}
	for _, w := range sum.Warnings {
		*warnings = append(*warnings, fmt.Sprintf("arm %s: %v", arm.Name, w))
	}
	st.Mean = stats.Mean(s.Values)
	if len(s.Values) > 1 {
		st.Stdev = stats.StdDev(s.Values)
	}
	st.CV = st.Stdev / st.Mean
	if st.CV > MaxCV {
		*warnings = append(*warnings, fmt.Sprintf("arm %s: CV %.2f%% > %.0f%%: the machine is too noisy for a 1%% verdict", arm.Name, st.CV*100, MaxCV*100))
	}
	return st
}

// shiftInterval returns the Hodges-Lehmann interval, at level 1-alpha, of
// the shift of log(b) against log(a), and false when the samples are too
// small for one.
func shiftInterval(a, b []float64, alpha float64) (lo, hi float64, ok bool) {
	m, n := len(a), len(b)
	c := criticalRank(m, n, alpha)
	if c < 1 {
		return 0, 0, false
	}
	diffs := make([]float64, 0, m*n)
	for _, y := range b {
		for _, x := range a {
			diffs = append(diffs, math.Log(y)-math.Log(x))
		}
	}
	slices.Sort(diffs)
	return diffs[c-1], diffs[m*n-c], true
}

var criticalCache sync.Map // [3]float64{m, n, alpha} -> int

// criticalRank returns the largest c with P(U <= c-1) <= alpha/2 under the
// null U distribution of sample sizes m and n: the rank (1-based) of the
// pairwise difference that bounds the interval. It returns 0 when no c works.
func criticalRank(m, n int, alpha float64) int {
	key := [3]float64{float64(m), float64(n), alpha}
	if c, ok := criticalCache.Load(key); ok {
		return c.(int)
	}
	c := normalCritical(m, n, alpha)
	if m <= stats.MannWhitneyExactLimit && n <= stats.MannWhitneyExactLimit {
		c = exactCritical(m, n, alpha)
	}
	criticalCache.Store(key, c)
	return c
}

// exactCritical is criticalRank from the exact U distribution, by bisection
// (the CDF grows with c).
func exactCritical(m, n int, alpha float64) int {
	d := stats.UDist{N1: m, N2: n}
	lo, hi := 0, m*n/2 // the answer is in [lo, hi]
	for lo < hi {
		c := (lo + hi + 1) / 2
		if d.CDF(float64(c-1)) <= alpha/2 {
			lo = c
		} else {
			hi = c - 1
		}
	}
	return lo
}

// normalCritical is criticalRank from the normal approximation of U, with a
// continuity correction, as go-moremath's test uses past its exact limit.
func normalCritical(m, n int, alpha float64) int {
	mu := float64(m*n) / 2
	sigma := math.Sqrt(float64(m*n*(m+n+1)) / 12)
	z := stats.NormalDist{Mu: 0, Sigma: 1}.InvCDF(1 - alpha/2)
	return max(0, int(math.Floor(mu-z*sigma+0.5)))
}
