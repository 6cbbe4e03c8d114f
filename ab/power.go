package ab

// What a comparison can resolve, and how many runs it needs. This file owns
// the decision rule of every test ab makes (the Design: when it looks at the
// runs and at which level it rejects), the smallest run count that can reach
// significance, the minimum detectable effect (MDE) and the run planning of
// --expect and --runs auto.
//
// The test is benchmath's (go-moremath's Mann-Whitney U, two-sided, exact up
// to 50 runs per arm, normal approximation with continuity correction past
// that). Its rejection region is a critical value of U, which criticalU
// derives from the same U distribution, so the simulations here reject
// exactly when Analyze would (TestCriticalUMatchesBenchmath checks it).
//
// The MDE is the smallest shift of B's median that the design detects (GO)
// in Power of its trials. It is simulated, not taken from a formula: each
// trial draws log-normal runs, x_i = Z_i for A and y_j = W_j + d for B (the
// log of ops/s, in units of the CV), and look k rejects upwards exactly when
// U(d) = #{y_j > x_i} reaches its critical count K_k, that is when d exceeds
// the K_k-th smallest of the differences x_i - W_j. So each trial has one
// threshold (the smallest over the looks) and the MDE is the Power quantile
// of those thresholds: one pass, no search over d, monotone by construction.
// In log space the spread only scales the thresholds, so the simulation runs
// once per design at CV 1 (mde_table.go holds the designs of up to 80 runs
// per arm; others are simulated on first use) and a report multiplies by its
// CV, the two arms' CVs pooled as sqrt((cvA²+cvB²)/2). That pooling is the one approximation
// (the arms' spreads may differ); TestMDESeedTable checks it against a direct
// simulation with the arms' own CVs and benchmath's test.
//
// Early stopping (--runs auto) uses a group-sequential design that spends
// alpha by the union bound: each interim look rejects at InterimAlpha and
// the final look at Alpha minus what the interim looks spent, so the chance
// that any look rejects a true null is at most Alpha whatever the looks'
// correlation (Bonferroni). Big effects stop at the first interim look; the
// final look keeps most of the fixed design's power. The run count is
// planned on a pilot whose CV is taken over both arms' runs together, blind
// to which arm ran, so under the null the plan does not depend on the ranks
// and cannot bias the test.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// Alpha is the two-sided significance level of every comparison.
var Alpha = benchmath.DefaultThresholds.CompareAlpha

// Power is the detection probability the MDE and the run plans are for.
const Power = 0.8

// InterimAlpha is the level of each interim look of a sequential design.
const InterimAlpha = 0.002

// DefaultMaxRuns caps --runs auto.
const DefaultMaxRuns = 50

// mdeTrials is the number of simulated trials behind each MDE. The Power
// quantile of 10000 thresholds is within about 1% (relative) of the truth.
const mdeTrials = 10000

// mdeTableLast is the largest run count mde_table.go holds.
const mdeTableLast = 80

// Look is one point at which a design tests the runs so far: after RunsA
// and RunsB measured runs, reject when the p-value is below Alpha.
type Look struct {
	RunsA int     `json:"runs_a"`
	RunsB int     `json:"runs_b"`
	Alpha float64 `json:"alpha"`
}

// Design is a comparison's decision rule: its looks in order; the last is
// the final one. A fixed design has one look.
type Design struct {
	Looks []Look `json:"looks"`
}

// FixedDesign is the classic design: n runs per arm, one test at Alpha.
func FixedDesign(n int) Design { return Design{Looks: []Look{{n, n, Alpha}}} }

// SequentialDesign is the early-stopping design for n runs per arm: interim
// looks at a quarter, half and three quarters of n (those at MinRuns() or
// more and below n) at InterimAlpha each, then the final look at n with the
// rest of Alpha.
func SequentialDesign(n int) Design {
	var d Design
	for _, q := range []int{1, 2, 3} {
		k := (n*q + 2) / 4
		if k >= MinRuns() && k < n && (len(d.Looks) == 0 || d.Looks[len(d.Looks)-1].RunsA < k) {
			d.Looks = append(d.Looks, Look{k, k, InterimAlpha})
		}
	}
	// Rounded, so the level prints as 0.044 rather than 0.044000000000000004.
	final := math.Round((Alpha-InterimAlpha*float64(len(d.Looks)))*1e9) / 1e9
	d.Looks = append(d.Looks, Look{n, n, final})
	return d
}

// Final returns the design's last look.
func (d Design) Final() Look { return d.Looks[len(d.Looks)-1] }

// Sequential reports whether the design can stop before its final look.
func (d Design) Sequential() bool { return len(d.Looks) > 1 }

func (d Design) key() string {
	var b strings.Builder
	for _, l := range d.Looks {
		fmt.Fprintf(&b, "%d,%d,%g;", l.RunsA, l.RunsB, l.Alpha)
	}
	return b.String()
}

// String describes the looks for people, e.g. "looks at 5, 10, 15 runs per
// arm (p < 0.002), then 20 (p < 0.044)".
func (d Design) String() string {
	if !d.Sequential() {
		l := d.Final()
		return fmt.Sprintf("one test after %s (p < %.3g)", runsPair(l.RunsA, l.RunsB), l.Alpha)
	}
	var at []string
	for _, l := range d.Looks[:len(d.Looks)-1] {
		at = append(at, fmt.Sprint(l.RunsA))
	}
	f := d.Final()
	return fmt.Sprintf("early-stop looks after %s runs per arm (p < %.3g each), final test after %d (p < %.3g)",
		strings.Join(at, ", "), InterimAlpha, f.RunsA, f.Alpha)
}

func runsPair(m, n int) string {
	if m == n {
		return fmt.Sprintf("%d runs per arm", m)
	}
	return fmt.Sprintf("%d runs of A and %d of B", m, n)
}

// pValue is benchmath's two-sided Mann-Whitney p-value for samples of m and
// n values without ties whose U statistic (pairs with the second sample
// above the first) is u.
func pValue(m, n, u int) float64 {
	mn := m * n
	if m <= stats.MannWhitneyExactLimit && n <= stats.MannWhitneyExactLimit {
		if 2*u == mn {
			return 1
		}
		return 2 * (stats.UDist{N1: m, N2: n}).CDF(float64(min(u, mn-u)))
	}
	mu := float64(mn) / 2
	sigma := math.Sqrt(float64(mn) * float64(m+n+1) / 12)
	numer := float64(u) - mu
	if numer > 0 {
		numer -= 0.5
	} else if numer < 0 {
		numer += 0.5
	}
	z := numer / sigma
	return 2 * math.Min(stats.StdNormal.CDF(z), 1-stats.StdNormal.CDF(z))
}

var criticalUCache sync.Map // [3]float64{m, n, alpha} -> int

// criticalU returns the smallest U (pairs with B above A, of m*n) at which
// the test of m and n runs rejects at level alpha, B above A; by symmetry it
// also rejects at m*n - criticalU and below. It returns -1 when no U
// rejects: the runs are too few for that level.
func criticalU(m, n int, alpha float64) int {
	key := [3]float64{float64(m), float64(n), alpha}
	if c, ok := criticalUCache.Load(key); ok {
		return c.(int)
	}
	mn := m * n
	c := -1
	if pValue(m, n, mn) < alpha {
		// p falls as u grows past m*n/2: find the first u that rejects.
		lo, hi := (mn+1)/2, mn // p(lo) >= alpha or lo rejects; hi rejects
		if pValue(m, n, lo) < alpha {
			hi = lo
		}
		for lo < hi {
			mid := (lo + hi) / 2
			if pValue(m, n, mid) < alpha {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		c = hi
	}
	criticalUCache.Store(key, c)
	return c
}

// uStatistic returns the number of pairs with b above a, and whether any two
// values are equal (a tie, which changes the test's null distribution and
// which criticalU does not cover).
func uStatistic(a, b []float64) (u int, ties bool) {
	for _, y := range b {
		for _, x := range a {
			if y > x {
				u++
			}
		}
	}
	all := slices.Concat(a, b)
	slices.Sort(all)
	for i := 1; i < len(all); i++ {
		ties = ties || all[i] == all[i-1]
	}
	return u, ties
}

// MinRuns returns the smallest number of runs per arm with which the test
// can reach p < Alpha at all (4: with 3 runs each, the most extreme
// ordering has p = 0.1).
func MinRuns() int {
	n := 1
	for criticalU(n, n, Alpha) < 0 {
		n++
	}
	return n
}

// CanDecide reports whether m and n runs can reach p < Alpha.
func CanDecide(m, n int) bool { return m > 0 && n > 0 && criticalU(m, n, Alpha) >= 0 }

var mdeCache sync.Map // Design.key() -> float64

// unitMDE returns d's MDE in log units at CV 1, or +Inf when no look can
// reject. It simulates mdeTrials seeded trials once per design.
func unitMDE(d Design) float64 {
	key := d.key()
	if v, ok := mdeCache.Load(key); ok {
		return v.(float64)
	}
	if v, ok := tabledMDE(d); ok {
		return v
	}
	v := simulateMDE(d, 1, 1, mdeTrials, 1)
	mdeCache.Store(key, v)
	return v
}

// tabledMDE returns d's unit MDE from mde_table.go when d is a fixed or
// sequential design of equal run counts. Past the table's last run count it
// scales the last entry by sqrt(last/n), the large-sample law of any
// location test (simulating 200 runs per arm takes half a minute); the
// scaled value is within 2% of a simulation at 100 runs (TestMDEPastTable;
// 1.3% at 200 for the sequential design, measured once).
func tabledMDE(d Design) (float64, bool) {
	n := d.Final().RunsA
	i := n - mdeTableFirst
	if i < 0 {
		return 0, false
	}
	scale := 1.0
	if i >= len(mdeFixed) {
		i = len(mdeFixed) - 1
		scale = math.Sqrt(float64(mdeTableLast) / float64(n))
	}
	switch key := d.key(); key {
	case FixedDesign(n).key():
		return mdeFixed[i] * scale, true
	case SequentialDesign(n).key():
		return mdeSequential[i] * scale, true
	}
	return 0, false
}

// simulateMDE returns the Power quantile of the per-trial detection
// thresholds of design d with log-spreads sa and sb, over trials trials
// seeded with seed. See the file comment for the method.
func simulateMDE(d Design, sa, sb float64, trials int, seed uint64) float64 {
	maxA, maxB := 0, 0
	ks := make([]int, len(d.Looks))
	any := false
	for i, l := range d.Looks {
		maxA, maxB = max(maxA, l.RunsA), max(maxB, l.RunsB)
		ks[i] = criticalU(l.RunsA, l.RunsB, l.Alpha)
		any = any || ks[i] >= 0
	}
	if !any {
		return math.Inf(1)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed0f4b))
	x, w := make([]float64, maxA), make([]float64, maxB)
	diffs := make([]float64, 0, maxA*maxB)
	thresholds := make([]float64, trials)
	for t := range trials {
		for i := range x {
			x[i] = sa * rng.NormFloat64()
		}
		for j := range w {
			w[j] = sb * rng.NormFloat64()
		}
		th := math.Inf(1)
		for i, l := range d.Looks {
			if ks[i] < 0 {
				continue
			}
			diffs = diffs[:0]
			for _, xi := range x[:l.RunsA] {
				for _, wj := range w[:l.RunsB] {
					diffs = append(diffs, xi-wj)
				}
			}
			// U(d) >= K exactly when d exceeds the K-th smallest difference.
			th = min(th, selectKth(diffs, ks[i]-1))
		}
		thresholds[t] = th
	}
	slices.Sort(thresholds)
	return thresholds[int(math.Ceil(Power*float64(trials)))-1]
}

// selectKth returns the k-th smallest (0-based) of v, reordering v.
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Median of three as the pivot, then Hoare partition.
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// PooledCV is the spread an MDE is computed at: the root mean square of the
// two arms' CVs.
func PooledCV(cvA, cvB float64) float64 { return math.Sqrt((cvA*cvA + cvB*cvB) / 2) }

// MDEPercent returns the smallest change of B's median, in percent, that
// design d detects with probability Power at CV cv, and +Inf when d cannot
// reach significance.
func MDEPercent(d Design, cv float64) float64 {
	u := unitMDE(d)
	if math.IsInf(u, 1) {
		return u
	}
	return math.Expm1(u*cv) * 100
}

// RunsPlan is how many runs per arm a change needs.
type RunsPlan struct {
	ExpectPercent float64 `json:"expect_percent"` // the change to detect
	CV            float64 `json:"cv"`             // the spread it is planned at
	Needed        int     `json:"runs_needed"`    // runs per arm for Power at ExpectPercent
	// Capped is true when Needed is more than MaxRuns; Needed is then an
	// estimate (the MDE shrinks as 1/sqrt(runs)) and Runs is MaxRuns.
	Capped  bool `json:"capped"`
	MaxRuns int  `json:"max_runs"`
	Runs    int  `json:"runs"` // what the plan runs: min(Needed, MaxRuns)
	// MDEPercent is what Runs resolves.
	MDEPercent float64 `json:"mde_percent"`
	Sequential bool    `json:"sequential"` // planned for SequentialDesign, else FixedDesign
}

// Plan returns the runs per arm that detect a change of expectPct percent
// with probability Power at CV cv, searched from MinRuns() to maxRuns, for
// the sequential or the fixed design.
func Plan(expectPct, cv float64, maxRuns int, sequential bool) RunsPlan {
	design := FixedDesign
	if sequential {
		design = SequentialDesign
	}
	p := RunsPlan{ExpectPercent: expectPct, CV: cv, MaxRuns: maxRuns, Sequential: sequential}
	enough := func(n int) bool { return MDEPercent(design(n), cv) <= expectPct }
	lo, hi := MinRuns(), max(maxRuns, MinRuns())
	if !enough(hi) {
		mde := MDEPercent(design(hi), cv)
		p.Needed = int(math.Ceil(float64(hi) * (mde / expectPct) * (mde / expectPct)))
		p.Needed = max(p.Needed, hi+1)
		p.Capped, p.Runs, p.MDEPercent = true, hi, mde
		return p
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if enough(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	p.Needed, p.Runs, p.MDEPercent = lo, lo, MDEPercent(design(lo), cv)
	return p
}
