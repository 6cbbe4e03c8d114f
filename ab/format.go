package ab

// The three renderings of a comparison: the terminal table (benchstat-like:
// median ± the half-width of its 95% interval, then the delta line), the
// Go benchmark format for benchstat, and (in the CLI) JSON of Report itself.
// The tables and their numbers are textfmt's, as in every other haktop table.

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"

	"github.com/haktop/haktop/textfmt"
)

// WriteText writes rep as the terminal report and returns the first write error.
func WriteText(w io.Writer, rep Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "haktop ab: %s, %s, %d cycles; %d runs per arm, interleaved A B A B after one warm-up each\n",
		rep.Workload, textfmt.Count(rep.Workers, "worker"), rep.Cycles, rep.Planned)
	if rep.Auto != nil {
		fmt.Fprintf(&b, "%s\ndesign: %s\n", PlanLine(*rep.Auto), rep.Design)
	}
	b.WriteString("\n")

	arms := textfmt.NewTable(2, "arm", "config", "ops/s median", "mean ± stdev", "CV", "runs")
	for _, s := range []ArmStats{rep.A, rep.B} {
		arms.Row(s.Name, armLabel(s), medianCell(s), textfmt.Rate(s.Mean)+" ± "+textfmt.Rate(s.Stdev),
			fmt.Sprintf("%.2f%%", s.CV*100), strconv.Itoa(len(s.OpsPerSec)))
	}
	b.WriteString(arms.String() + "\n")

	d := rep.Delta
	level := fmt.Sprintf("%.3g%% CI", d.CILevel*100)
	ci := "no " + level + ": too few runs"
	if d.CI {
		ci = fmt.Sprintf("%s %+.2f%% .. %+.2f%%", level, d.CILo, d.CIHi)
	}
	fmt.Fprintf(&b, "\nB vs A: %+.2f%% (%s), p=%.3f n=%d+%d\n", d.Percent, ci, d.P, len(rep.A.OpsPerSec), len(rep.B.OpsPerSec))

	if len(rep.Changes) > 0 {
		changes := make([]string, len(rep.Changes))
		for i, c := range rep.Changes {
			changes[i] = fmt.Sprintf("%s %s → %s", c.Env, c.A, c.B)
		}
		fmt.Fprintf(&b, "\ngates that differ: %s\n", strings.Join(changes, ", "))
	}
	if len(rep.Paths) > 0 {
		paths := textfmt.NewTable(1, "guarded path", "A hits", "B hits")
		for _, p := range rep.Paths {
			paths.Row(p.ID, strconv.FormatUint(p.HitsA, 10), strconv.FormatUint(p.HitsB, 10))
		}
		b.WriteString(paths.String() + "\n")
	}

	fmt.Fprintf(&b, "\nverdict: %s: %s\n", rep.Verdict, rep.Reason)
	if rep.Verdict != NoOp && !rep.AA {
		fmt.Fprintf(&b, "not NO-OP: %s\n", rep.NoOpReason)
	}
	if m := rep.Resolution.MDEPercent; m != nil && rep.Verdict == NoOp {
		fmt.Fprintf(&b, "timing: this run resolves changes of %.2f%% or more (%.0f%% power), but no change can come from paths that never ran\n", *m, Power*100)
	}
	if p := rep.Resolution.Expect; p != nil {
		fmt.Fprintf(&b, "expect %+.2f%%: %s\n", p.ExpectPercent, expectLine(*p, len(rep.A.OpsPerSec), len(rep.B.OpsPerSec)))
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// medianCell returns s's median and the half-width of its interval as a
// percent of the median, benchstat's "12.3M ± 2%", or the median and "no CI"
// when the runs are too few for an interval.
func medianCell(s ArmStats) string {
	m := textfmt.Rate(s.Median)
	if !s.MedianCI {
		return m + " (no CI)"
	}
	return m + " ± " + benchmath.Summary{Center: s.Median, Lo: s.MedianLo, Hi: s.MedianHi}.PctRangeString()
}

// PlanLine says what --runs auto planned, and when the cap is below the need.
func PlanLine(au AutoPlan) string {
	p := au.Plan
	if p.Runs == 0 {
		return fmt.Sprintf("plan: none, interrupted during the pilot of %d runs per arm", au.PilotRuns)
	}
	head := fmt.Sprintf("plan: after a pilot of %d runs per arm at CV %.2f%% (both arms' runs pooled), ", au.PilotRuns, p.CV*100)
	if p.Capped {
		return head + fmt.Sprintf("%+.2f%% needs about %d runs per arm for %.0f%% power, more than --max-runs %d; running %d, which resolve %.2f%%",
			p.ExpectPercent, p.Needed, Power*100, p.MaxRuns, p.Runs, p.MDEPercent)
	}
	return head + fmt.Sprintf("%d runs per arm detect %+.2f%% with %.0f%% power (they resolve %.2f%%)", p.Runs, p.ExpectPercent, Power*100, p.MDEPercent)
}

// expectLine says what --expect needs, against the m and n runs made.
func expectLine(p RunsPlan, m, n int) string {
	if p.Capped {
		return fmt.Sprintf("at CV %.2f%% it needs about %d runs per arm for %.0f%% power, more than --max-runs %d (which resolve %.2f%%); this run has %s",
			p.CV*100, p.Needed, Power*100, p.MaxRuns, p.MDEPercent, runsPair(m, n))
	}
	return fmt.Sprintf("at CV %.2f%% it needs %d runs per arm for %.0f%% power; this run has %s", p.CV*100, p.Needed, Power*100, runsPair(m, n))
}

func armLabel(s ArmStats) string {
	return Arm{Env: s.Env, Tags: s.Tags}.Label()
}

// WriteBenchfmt writes o's measured runs in the Go benchmark format, A's
// runs then B's, under the file configuration line "arm: A" or "arm: B", as
// ns/op and ops/s (with "Unit ops/s better=higher"), after the lines
// "mde: X%" and "mde-power: 80%" with rep's minimum detectable effect ("mde:
// none" when the runs cannot reach significance). `benchstat -col arm FILE`
// compares them. It returns the first write error.
func WriteBenchfmt(w io.Writer, o Outcome, rep Report) error {
	mde := "none"
	if m := rep.Resolution.MDEPercent; m != nil {
		mde = fmt.Sprintf("%.2f%%", *m)
	}
	bw := benchfmt.NewWriter(w)
	meta := &benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: "ops/s", Key: "better"}, OrigUnit: "ops/s", Value: "higher"}
	if err := bw.Write(meta); err != nil {
		return err
	}
	for _, arm := range []Arm{o.A, o.B} {
		for _, r := range o.Measured(arm.Name) {
			res := &benchfmt.Result{
				Config: []benchfmt.Config{
					{Key: "mde", Value: []byte(mde), File: true},
					{Key: "mde-power", Value: []byte(fmt.Sprintf("%.0f%%", Power*100)), File: true},
					{Key: "arm", Value: []byte(arm.Name), File: true},
				},
				Name:  benchfmt.Name(fmt.Sprintf("Haktop/workload=%s/workers=%d", r.Workload, r.Workers)),
				Iters: int(r.Cycles),
				Values: []benchfmt.Value{
					{Value: 1 / r.OpsPerSec, Unit: "sec/op", OrigValue: 1e9 / r.OpsPerSec, OrigUnit: "ns/op"},
					{Value: r.OpsPerSec, Unit: "ops/s"},
				},
			}
			if err := bw.Write(res); err != nil {
				return err
			}
		}
	}
	return nil
}
