package ab

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/haktop/haktop/profile"
)

// twinArms returns arms that differ in a gate whose paths run in the fake's
// mid_pool (pool v2 on, two class masks) but that the fake times alike, so
// the verdict is the statistics' alone: not NO-OP, not an A/A run.
func twinArms(t *testing.T) (Arm, Arm) {
	return mustArm(t, "A", "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F", ""),
		mustArm(t, "B", "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x3F", "")
}

// compare runs the protocol with f and analyses it.
func compare(t *testing.T, f *fakeRunner, a, b Arm, runs int) Report {
	t.Helper()
	o, err := Execute(context.Background(), f, a, b, Options{Runs: runs})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	rep, err := Analyze(o)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return rep
}

// A vs A must come out NEUTRAL: a 5% test rejects a true null in at most 5%
// of trials (4.33% for 10+10 runs, the exact test being discrete). 4000
// seeded trials put the observed rate within 0.3% (one stdev) of that, so this
// checks the whole chain (samples, test, verdict) rather than a lucky seed.
// The arms differ in a gate whose paths run but which the fake times alike:
// identical arms would be an A/A run, NEUTRAL by construction.
func TestAAIsNeutral(t *testing.T) {
	if raceEnabled {
		t.Skip("a single-goroutine simulation: its statistics are checked without -race")
	}
	trials := 4000
	if testing.Short() {
		trials = 1000
	}
	a, b := twinArms(t)
	neutral := 0
	for i := range trials {
		f := newFake(uint64(i), "mid_pool", 0.01)
		rep := compare(t, f, a, b, 10)
		switch rep.Verdict {
		case Neutral:
			neutral++
		case Go, NoGo:
		default:
			t.Fatalf("trial %d: verdict %s (%s), want NEUTRAL, GO or NO-GO", i, rep.Verdict, rep.Reason)
		}
	}
	rate := float64(neutral) / float64(trials)
	t.Logf("A vs A: %d of %d trials NEUTRAL (%.1f%%)", neutral, trials, rate*100)
	if rate < 0.95 {
		t.Errorf("A vs A NEUTRAL in %.1f%% of %d trials, want >= 95%%", rate*100, trials)
	}
}

// An arm doing 3% more work per op with 1% noise must be NO-GO every time
// (a 3-sigma shift: power is near 1), with an interval below 0, and its
// mirror GO.
func TestMoreWorkIsNoGo(t *testing.T) {
	a, b := twinArms(t)
	for seed := range uint64(50) {
		f := newFake(seed, "mid_pool", 0.01)
		f.work["B"] = 1.03
		rep := compare(t, f, a, b, 10)
		if rep.Verdict != NoGo {
			t.Fatalf("seed %d: verdict %s (%s), want NO-GO", seed, rep.Verdict, rep.Reason)
		}
		if !strings.HasPrefix(rep.Reason, "B is ") || !strings.Contains(rep.Reason, "% slower") {
			t.Errorf("seed %d: reason %q does not say B is slower", seed, rep.Reason)
		}
		if !rep.Delta.CI || rep.Delta.CIHi >= 0 || rep.Delta.Percent >= 0 {
			t.Errorf("seed %d: delta %.2f%% CI [%.2f%%, %.2f%%]: want a negative delta whose interval excludes 0", seed, rep.Delta.Percent, rep.Delta.CILo, rep.Delta.CIHi)
		}

		f = newFake(seed, "mid_pool", 0.01)
		f.work["A"] = 1.03
		if rep := compare(t, f, a, b, 10); rep.Verdict != Go {
			t.Fatalf("seed %d: A doing more work: verdict %s (%s), want GO", seed, rep.Verdict, rep.Reason)
		}
	}
}

// The delta's 95% interval must hold the true change in about 95% of trials
// (at least 95%: the exact interval is conservative), for a null and a real
// shift alike.
func TestDeltaIntervalCoverage(t *testing.T) {
	if raceEnabled {
		t.Skip("a single-goroutine simulation: its statistics are checked without -race")
	}
	a, b := twinArms(t)
	for _, work := range []float64{1, 1.02} {
		truth := (1/work - 1) * 100
		covered, trials := 0, 2000
		for seed := range uint64(trials) {
			f := newFake(seed+1e6, "mid_pool", 0.01)
			f.work["B"] = work
			rep := compare(t, f, a, b, 10)
			if rep.Delta.CILo <= truth && truth <= rep.Delta.CIHi {
				covered++
			}
		}
		rate := float64(covered) / float64(trials)
		t.Logf("work %.2f: interval covers %.2f%% in %.1f%% of trials", work, truth, rate*100)
		if rate < 0.94 || rate > 0.99 {
			t.Errorf("work %.2f: 95%% interval covers the truth in %.1f%% of trials, want 94%%..99%%", work, rate*100)
		}
	}
}

// For 10+10 runs the two-sided 5% critical value of U is 23 (standard
// tables; 8+12: 22, 5+5: 2, 4+4: 0, 3+3: none), so the interval is cut at
// the 24th pairwise difference.
func TestCriticalRank(t *testing.T) {
	for _, c := range []struct{ m, n, want int }{{10, 10, 24}, {5, 5, 3}, {3, 3, 0}, {4, 4, 1}, {8, 12, 23}} {
		if got := criticalRank(c.m, c.n, 0.05); got != c.want {
			t.Errorf("criticalRank(%d, %d, 0.05) = %d, want %d", c.m, c.n, got, c.want)
		}
	}
	// Past the exact limit the normal approximation takes over; where both
	// exist they must agree to within one rank.
	for _, n := range []int{10, 20, 30} {
		if exact, approx := exactCritical(n, n, 0.05), normalCritical(n, n, 0.05); approx < exact-1 || approx > exact+1 {
			t.Errorf("%d+%d runs: normal approximation gives rank %d, exact %d", n, n, approx, exact)
		}
	}
}

func TestArmStats(t *testing.T) {
	o := Outcome{A: mustArm(t, "A", "", ""), B: mustArm(t, "B", "", ""), Planned: 4}
	for i, v := range []float64{100, 104, 102, 98, 96, 110, 101, 103} {
		arm := "A"
		if i%2 == 1 {
			arm = "B"
		}
		o.Runs = append(o.Runs, Run{Arm: arm, Report: profile.RunReport{Workload: "w", Workers: 1, Cycles: 1, OpsPerSec: v}})
	}
	rep, err := Analyze(o)
	if err != nil {
		t.Fatal(err)
	}
	// A: 100 102 96 101 -> median 100.5, mean 99.75; B: 104 98 110 103 -> median 103.5, mean 103.75
	if rep.A.Median != 100.5 || rep.B.Median != 103.5 || rep.A.Mean != 99.75 || rep.B.Mean != 103.75 {
		t.Errorf("medians %v %v means %v %v, want 100.5 103.5 99.75 103.75", rep.A.Median, rep.B.Median, rep.A.Mean, rep.B.Mean)
	}
	wantSD := math.Sqrt((0.25*0.25 + 2.25*2.25 + 3.75*3.75 + 1.25*1.25) / 3)
	if math.Abs(rep.A.Stdev-wantSD) > 1e-12 || math.Abs(rep.A.CV-wantSD/99.75) > 1e-12 {
		t.Errorf("A stdev %v CV %v, want %v %v", rep.A.Stdev, rep.A.CV, wantSD, wantSD/99.75)
	}
	if want := (103.5/100.5 - 1) * 100; math.Abs(rep.Delta.Percent-want) > 1e-12 {
		t.Errorf("delta %v%%, want %v%%", rep.Delta.Percent, want)
	}
	// Both arms' CVs are over 2%, and 4 runs are too few for a median interval.
	var cvWarnings int
	for _, w := range rep.Warnings {
		if strings.Contains(w, "too noisy for a 1% verdict") {
			cvWarnings++
		}
	}
	if cvWarnings != 2 {
		t.Errorf("warnings %q: want a CV warning for each arm", rep.Warnings)
	}
}
