package ab

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// With 3 runs per arm the most extreme ordering has p = 2/C(6,3) = 0.1, so
// no 3-run comparison can be significant; 4 runs reach 2/70 = 0.029.
func TestMinRuns(t *testing.T) {
	if got := MinRuns(); got != 4 {
		t.Errorf("MinRuns() = %d, want 4", got)
	}
	for _, c := range []struct {
		m, n int
		want bool
	}{{3, 3, false}, {4, 4, true}, {2, 5, false}, {2, 20, true}, {3, 10, true}, {0, 10, false}} {
		if got := CanDecide(c.m, c.n); got != c.want {
			t.Errorf("CanDecide(%d, %d) = %v, want %v", c.m, c.n, got, c.want)
		}
	}
	if got := criticalU(3, 3, Alpha); got != -1 {
		t.Errorf("criticalU(3, 3) = %d, want -1 (cannot reject)", got)
	}
	// 10+10 at 5%: the two-sided critical value of the smaller U is 23
	// (standard tables), so B-above-A counts of 100-23 = 77 and more reject.
	if got := criticalU(10, 10, 0.05); got != 77 {
		t.Errorf("criticalU(10, 10, 0.05) = %d, want 77", got)
	}
}

// The simulations reject exactly when benchmath's test does: the critical U
// against benchmath.AssumeNothing.Compare on seeded samples of several
// sizes, exact and normal-approximation, at each level a design uses.
func TestCriticalUMatchesBenchmath(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, size := range [][2]int{{4, 4}, {5, 7}, {10, 10}, {17, 17}, {30, 30}, {60, 60}, {51, 49}} {
		m, n := size[0], size[1]
		for _, alpha := range []float64{0.05, 0.044, InterimAlpha} {
			crit := criticalU(m, n, alpha)
			th := benchmath.DefaultThresholds
			th.CompareAlpha = alpha
			rejections := 0
			for trial := range 300 {
				shift := float64(trial%7) * 0.4 // from no shift to a large one
				a, b := make([]float64, m), make([]float64, n)
				for i := range a {
					a[i] = 100 + rng.NormFloat64()
				}
				for j := range b {
					b[j] = 100 + shift + rng.NormFloat64()
				}
				u := 0
				for _, y := range b {
					for _, x := range a {
						if y > x {
							u++
						}
					}
				}
				mine := crit >= 0 && (u >= crit || u <= m*n-crit)
				cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(a, &th), benchmath.NewSample(b, &th))
				if theirs := cmp.P < cmp.Alpha; mine != theirs {
					t.Fatalf("%d+%d runs, alpha %g, U=%d: critical U %d says reject=%v, benchmath p=%g says %v", m, n, alpha, u, crit, mine, cmp.P, theirs)
				}
				if mine {
					rejections++
				}
			}
			if crit >= 0 && rejections == 0 {
				t.Errorf("%d+%d runs, alpha %g: no trial rejected; the check saw only one side", m, n, alpha)
			}
		}
	}
}

// The case: all three B runs 9.33% above all three A runs. 3 runs
// can never be significant, so it is UNDECIDED, and nothing prints "∞".
func TestThreeRunsUndecided(t *testing.T) {
	a := []float64{50.0e6, 50.2e6, 49.9e6}
	b := []float64{54.6e6, 54.9e6, 54.5e6}
	o := fixedOutcome(t, "mid_pool", "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F", "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x3F", a, b)
	rep, text := reportText(t, o)
	want := "cannot decide with 3 runs per arm: the Mann-Whitney test cannot reach p < 0.05 with fewer than 4 runs per arm"
	if rep.Verdict != Undecided || rep.Reason != want || rep.Resolution.MDEPercent != nil {
		t.Errorf("verdict %s (%s), MDE %v: want UNDECIDED (%s) and no MDE", rep.Verdict, rep.Reason, rep.Resolution.MDEPercent, want)
	}
	if strings.Contains(text, "∞") || strings.Contains(text, "NEUTRAL") {
		t.Errorf("report prints ∞ or NEUTRAL:\n%s", text)
	}
	if !strings.Contains(text, "│ 50.0M (no CI) │") {
		t.Errorf("median without interval not shown as such:\n%s", text)
	}
}

// Identical arms are an A/A run: said so, with the delta called noise.
func TestAARunSaysSo(t *testing.T) {
	a := []float64{50.0e6, 50.2e6, 49.9e6, 50.1e6, 49.8e6, 50.3e6}
	b := []float64{50.1e6, 49.7e6, 50.0e6, 50.2e6, 49.9e6, 50.4e6}
	rep, out := reportText(t, fixedOutcome(t, "tiny_hot", "", "", a, b))
	if !rep.AA || rep.Verdict != Neutral || !strings.Contains(out, "verdict: NEUTRAL: A/A run: A and B run the same configuration, so any delta is noise; here ") ||
		strings.Contains(out, "not NO-OP") {
		t.Errorf("aa %v verdict %s:\n%s", rep.AA, rep.Verdict, out)
	}
}

// seedArm returns n values with exactly the given mean and sample stdev:
// normal scores (Blom), standardised, in a fixed shuffled order.
func seedArm(mean, sd float64, n int, seed uint64) []float64 {
	z := make([]float64, n)
	for i := range z {
		z[i] = stats.StdNormal.InvCDF((float64(i+1) - 0.375) / (float64(n) + 0.25))
	}
	m, s := stats.Mean(z), stats.StdDev(z)
	rand.New(rand.NewPCG(seed, seed)).Shuffle(n, func(i, j int) { z[i], z[j] = z[j], z[i] })
	v := make([]float64, n)
	for i := range z {
		v[i] = mean + sd*(z[i]-m)/s
	}
	return v
}

// directMDE finds, by bisection, the relative shift of B that benchmath's
// test at alpha calls GO in Power of trials seeded runs, with A's and B's
// own CVs and Gaussian noise (not the log-normal, pooled-CV model of
// power.go): the independent check of MDEPercent.
func directMDE(t *testing.T, cvA, cvB float64, runs, trials int) float64 {
	rng := rand.New(rand.NewPCG(99, 99))
	za, zb := make([][]float64, trials), make([][]float64, trials)
	for i := range trials {
		za[i], zb[i] = make([]float64, runs), make([]float64, runs)
		for j := range runs {
			za[i][j], zb[i][j] = rng.NormFloat64(), rng.NormFloat64()
		}
	}
	th := benchmath.DefaultThresholds
	power := func(shift float64) float64 {
		gos := 0
		a, b := make([]float64, runs), make([]float64, runs)
		for i := range trials {
			for j := range runs {
				a[j] = 50e6 * (1 + cvA*za[i][j])
				b[j] = 50e6 * (1 + shift) * (1 + cvB*zb[i][j])
			}
			cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(a, &th), benchmath.NewSample(b, &th))
			if cmp.P < cmp.Alpha && stats.Mean(b) > stats.Mean(a) {
				gos++
			}
		}
		return float64(gos) / float64(trials)
	}
	lo, hi := 0.0, 0.2
	for range 14 {
		mid := (lo + hi) / 2
		if power(mid) >= Power {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi * 100
}

// The seed's Phase 29 table: 52.98 M ±0.43 M against 53.31 M ±0.80 M, 10
// runs each, is NEUTRAL, and the MDE it prints agrees with a direct
// simulation (each arm's own CV, benchmath's test) within 10%; the report
// names the observed +0.62% as below it.
func TestMDESeedTable(t *testing.T) {
	a := seedArm(52.98e6, 0.43e6, 10, 1)
	b := seedArm(53.31e6, 0.80e6, 10, 2)
	o := fixedOutcome(t, "mid_pool", "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F", "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x3F", a, b)
	rep, err := Analyze(o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Neutral || rep.Resolution.MDEPercent == nil {
		t.Fatalf("verdict %s (%s), MDE %v: want NEUTRAL with an MDE", rep.Verdict, rep.Reason, rep.Resolution.MDEPercent)
	}
	mde := *rep.Resolution.MDEPercent
	direct := directMDE(t, rep.A.CV, rep.B.CV, 10, 2000)
	t.Logf("seed table: CV %.2f%% / %.2f%%, delta %+.2f%% p=%.3f; MDE reported %.3f%%, direct simulation %.3f%% (ratio %.3f)",
		rep.A.CV*100, rep.B.CV*100, rep.Delta.Percent, rep.Delta.P, mde, direct, mde/direct)
	if math.Abs(mde/direct-1) > 0.10 {
		t.Errorf("reported MDE %.3f%% is not within 10%% of the direct simulation's %.3f%%", mde, direct)
	}
	want := fmt.Sprintf("; this run resolves changes of %.2f%% or more (80%% power); the observed %+.2f%% is below it", mde, rep.Delta.Percent)
	if !strings.HasSuffix(rep.Reason, want) {
		t.Errorf("reason %q does not end %q", rep.Reason, want)
	}
}

// Power as predicted: at CV 1% and 10 runs per arm, a true change of the
// reported MDE is called GO in 80% ± 8 points of 2000 trials run through
// Execute and Analyze with the fake runner's Gaussian noise.
func TestPowerAsPredicted(t *testing.T) {
	if raceEnabled {
		t.Skip("a single-goroutine simulation: its statistics are checked without -race")
	}
	mde := MDEPercent(FixedDesign(10), 0.01)
	a, b := twinArms(t)
	gos := 0
	const trials = 2000
	for seed := range uint64(trials) {
		f := newFake(seed+5e6, "mid_pool", 0.01)
		f.work["B"] = 1 / (1 + mde/100)
		if rep := compare(t, f, a, b, 10); rep.Verdict == Go {
			gos++
		}
	}
	rate := float64(gos) / trials
	t.Logf("CV 1%%, 10 runs: MDE %.3f%%; GO in %d of %d trials (%.1f%%)", mde, gos, trials, rate*100)
	if rate < Power-0.08 || rate > Power+0.08 {
		t.Errorf("a true +%.3f%% (the MDE) was detected in %.1f%% of trials, want %.0f%% ± 8 points", mde, rate*100, Power*100)
	}
}

// --expect 0.5 at CV 1% plans the sequential design's run count, and a
// simulation of that design (Execute's early-stop looks included) confirms
// it: a true +0.5% is detected in 80% (± 4 points) of 2000 trials, and
// with a tenth fewer runs in less than 80% of 1000. Under the default cap the plan says the cap
// is below the need.
func TestExpectPlan(t *testing.T) {
	if raceEnabled {
		t.Skip("a single-goroutine simulation: its statistics are checked without -race")
	}
	p := Plan(0.5, 0.01, mdeTableLast, true)
	if p.Capped || p.Runs != p.Needed || p.MDEPercent > 0.5 {
		t.Fatalf("plan %+v: want an uncapped plan that resolves 0.5%%", p)
	}
	a, b := twinArms(t)
	detect := func(runs, trials int) float64 {
		gos := 0
		for seed := range uint64(trials) {
			f := newFake(seed+7e6, "mid_pool", 0.01)
			f.work["B"] = 1 / 1.005
			o, err := Execute(context.Background(), f, a, b, Options{Design: SequentialDesign(runs)})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Analyze(o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict == Go {
				gos++
			}
		}
		return float64(gos) / float64(trials)
	}
	at, fewer := detect(p.Runs, 2000), detect(p.Runs*9/10, 1000)
	t.Logf("--expect 0.5 at CV 1%%: plan %d runs per arm (%s); GO in %.1f%% of 2000 trials, %.1f%% of 1000 with %d runs", p.Runs, SequentialDesign(p.Runs), at*100, fewer*100, p.Runs*9/10)
	if math.Abs(at-Power) > 0.04 || fewer >= Power {
		t.Errorf("planned %d runs detect +0.5%% in %.1f%% (want 80%% ± 4), %d runs in %.1f%% (want below 80%%)", p.Runs, at*100, p.Runs*9/10, fewer*100)
	}

	capped := Plan(0.5, 0.01, DefaultMaxRuns, true)
	if !capped.Capped || capped.Runs != DefaultMaxRuns || capped.Needed <= DefaultMaxRuns || capped.MDEPercent <= 0.5 {
		t.Errorf("capped plan %+v: want Capped, 50 runs, a need over 50, an MDE over 0.5%%", capped)
	}
}

// A vs A with --runs auto and early stopping: NEUTRAL in at least 95% of
// 2000 trials (the union bound allows at most 5% false positives); and a
// large real change stops at the first early-stop look as GO.
func TestAutoAAWithEarlyStop(t *testing.T) {
	if raceEnabled {
		t.Skip("a single-goroutine simulation: its statistics are checked without -race")
	}
	a, b := twinArms(t)
	neutral, stopped := 0, 0
	const trials = 2000
	for seed := range uint64(trials) {
		f := newFake(seed+9e6, "mid_pool", 0.01)
		o, err := Execute(context.Background(), f, a, b, Options{Auto: true, ExpectPercent: 1})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Analyze(o)
		if err != nil {
			t.Fatal(err)
		}
		switch rep.Verdict {
		case Neutral, NoOp:
			neutral++
		case Go, NoGo:
		default:
			t.Fatalf("trial %d: verdict %s (%s)", seed, rep.Verdict, rep.Reason)
		}
		if o.StoppedAt > 0 {
			stopped++
		}
		if seed == 0 {
			t.Logf("trial 0: pilot CV %.2f%%, plan %+v, design %s", o.Auto.Plan.CV*100, o.Auto.Plan, o.Design)
		}
	}
	rate := float64(neutral) / trials
	t.Logf("A vs A, --runs auto --expect 1, early stopping: NEUTRAL in %d of %d trials (%.1f%%), %d stopped early", neutral, trials, rate*100, stopped)
	if rate < 0.95 {
		t.Errorf("A vs A NEUTRAL in %.1f%% of trials, want >= 95%%", rate*100)
	}

	f := newFake(1, "mid_pool", 0.01)
	f.work["A"] = 1.09
	o, err := Execute(context.Background(), f, a, b, Options{Auto: true, ExpectPercent: 1})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Analyze(o)
	if err != nil {
		t.Fatal(err)
	}
	first := o.Design.Looks[0]
	if rep.Verdict != Go || o.StoppedAt != first.RunsA || len(rep.A.OpsPerSec) != first.RunsA || !strings.Contains(rep.Reason, "stopped early after") {
		t.Errorf("a +9%% change: verdict %s (%s), stopped at %d with %d runs; want GO at the first look (%d runs)", rep.Verdict, rep.Reason, o.StoppedAt, len(rep.A.OpsPerSec), first.RunsA)
	}
}

// Every sequential design spends at most Alpha in total, so the union
// bound holds whatever the looks' correlation.
func TestSequentialDesignSpendsAlpha(t *testing.T) {
	for n := MinRuns(); n <= 80; n++ {
		d := SequentialDesign(n)
		sum := 0.0
		prev := 0
		for _, l := range d.Looks {
			if l.RunsA <= prev || l.RunsA != l.RunsB {
				t.Fatalf("n=%d: looks %+v not increasing", n, d.Looks)
			}
			prev = l.RunsA
			sum += l.Alpha
		}
		if sum > Alpha+1e-12 || d.Final().RunsA != n {
			t.Errorf("n=%d: design %+v spends %g > %g or does not end at n", n, d, sum, Alpha)
		}
	}
}

// Ctrl-C during --runs auto's pilot: no plan was made, and the report says
// so rather than printing an empty one.
func TestAutoInterruptedInPilot(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake(1, "mid_pool", 0.01)
	f.cancelAt, f.cancel = 7, cancel // warm-ups, two pairs, then A is cut short
	a, b := twinArms(t)
	o, err := Execute(ctx, f, a, b, Options{Auto: true, ExpectPercent: 1})
	if err != nil {
		t.Fatal(err)
	}
	rep, text := reportText(t, o)
	if !o.Interrupted || rep.Verdict != Undecided || !strings.Contains(text, "\nplan: none, interrupted during the pilot of 4 runs per arm\n") {
		t.Errorf("interrupted %v verdict %s:\n%s", o.Interrupted, rep.Verdict, text)
	}
}
