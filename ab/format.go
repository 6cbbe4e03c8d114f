package ab

// The three renderings of a comparison: the terminal table (benchstat-like:
// median ± the half-width of its 95% interval, then the delta line), the
// Go benchmark format for benchstat, and (in the CLI) JSON of Report itself.
// Number formatting is benchunit's, so values read like benchstat's.

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// WriteText writes rep as the terminal report and returns the first write error.
func WriteText(w io.Writer, rep Report) error {
	var b strings.Builder
	workers := "workers"
	if rep.Workers == 1 {
		workers = "worker"
	}
	fmt.Fprintf(&b, "haktop ab: %s, %d %s, %d cycles; %d runs per arm, interleaved A B A B after one warm-up each\n\n",
		rep.Workload, rep.Workers, workers, rep.Cycles, rep.Planned)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "arm\tops/s median\tmean ± stdev\tCV\truns\tconfig")
	for _, s := range []ArmStats{rep.A, rep.B} {
		fmt.Fprintf(tw, "%s\t%s ± %s\t%s ± %s\t%.2f%%\t%d\t%s\n", s.Name,
			benchunit.Scale(s.Median, benchunit.Decimal), medianRange(s),
			benchunit.Scale(s.Mean, benchunit.Decimal), benchunit.Scale(s.Stdev, benchunit.Decimal),
			s.CV*100, len(s.OpsPerSec), armLabel(s))
	}
	tw.Flush()

	d := rep.Delta
	ci := "no 95% CI: too few runs"
	if d.CI {
		ci = fmt.Sprintf("95%% CI %+.2f%% .. %+.2f%%", d.CILo, d.CIHi)
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
		// Names left-aligned, counts right-aligned, as in bench's tables.
		wName, wA, wB := len("guarded path"), len("A hits"), len("B hits")
		for _, p := range rep.Paths {
			wName = max(wName, len(p.ID))
			wA = max(wA, len(fmt.Sprint(p.HitsA)))
			wB = max(wB, len(fmt.Sprint(p.HitsB)))
		}
		fmt.Fprintf(&b, "%-*s  %*s  %*s\n", wName, "guarded path", wA, "A hits", wB, "B hits")
		for _, p := range rep.Paths {
			fmt.Fprintf(&b, "%-*s  %*d  %*d\n", wName, p.ID, wA, p.HitsA, wB, p.HitsB)
		}
	}

	fmt.Fprintf(&b, "\nverdict: %s: %s\n", rep.Verdict, rep.Reason)
	if rep.Verdict != NoOp {
		fmt.Fprintf(&b, "not NO-OP: %s\n", rep.NoOpReason)
	}
	for _, warn := range rep.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// medianRange returns the half-width of s's median interval as a percent of
// the median, benchstat's "± 2%", or "∞" when there is no interval.
func medianRange(s ArmStats) string {
	if !s.MedianCI {
		return "∞"
	}
	return benchmath.Summary{Center: s.Median, Lo: s.MedianLo, Hi: s.MedianHi}.PctRangeString()
}

func armLabel(s ArmStats) string {
	return Arm{Env: s.Env, Tags: s.Tags}.Label()
}

// WriteBenchfmt writes o's measured runs in the Go benchmark format, A's
// runs then B's, under the file configuration line "arm: A" or "arm: B", as
// ns/op and ops/s (with "Unit ops/s better=higher"). `benchstat -col arm FILE`
// compares them. It returns the first write error.
func WriteBenchfmt(w io.Writer, o Outcome) error {
	bw := benchfmt.NewWriter(w)
	meta := &benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: "ops/s", Key: "better"}, OrigUnit: "ops/s", Value: "higher"}
	if err := bw.Write(meta); err != nil {
		return err
	}
	for _, arm := range []Arm{o.A, o.B} {
		for _, r := range o.Measured(arm.Name) {
			res := &benchfmt.Result{
				Config: []benchfmt.Config{{Key: "arm", Value: []byte(arm.Name), File: true}},
				Name:   benchfmt.Name(fmt.Sprintf("Haktop/workload=%s/workers=%d", r.Workload, r.Workers)),
				Iters:  int(r.Cycles),
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
