package main

// `haktop bench`: one headless run of a workload, printed as a per-class
// table or as one JSON object (profile.RunReport). Other commands reuse
// benchRun to get the same report without printing it.

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
	"github.com/haktop/haktop/workload"
)

// progressMinCycles is the cycle count from which bench shows a progress
// bar (on a terminal, without --json); --duration runs always get one.
const progressMinCycles = 50_000_000

func newBenchCommand(a *app) *cobra.Command {
	var wf workloadFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run a workload headless; print per-class counters and ops/s",
		Long: "bench runs one workload on a fresh allocator configured by the HAKMEM_* environment,\n" +
			"then prints every size class's counters, the total ops/s (allocator calls per second of\n" +
			"the workload loop) and any gate not at its default. --json prints one JSON object instead.",
		Example: "  haktop bench\n" +
			"  haktop bench --workload random_mixed --cycles 20000000 --ws 8192 --seed 1234567\n" +
			"  haktop bench --workload larson --workers 4 --duration 10s\n" +
			"  HAKMEM_POOL_V2_ENABLED=1 haktop bench --workload mid_pool --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := wf.spec()
			if err != nil {
				return err
			}
			cfg, _, err := a.allocatorConfig()
			if err != nil {
				return err
			}
			bar := !asJSON && a.stderrIsTTY() && (spec.Duration > 0 || spec.Cycles == 0 || spec.Cycles >= progressMinCycles)
			rep, err := a.benchRun(cmd.Context(), cfg, spec, bar)
			if err != nil {
				return err
			}
			schema := cfg.Schema()
			return a.writeResult(asJSON, rep, func() string { return benchText(rep, &schema) })
		},
	}
	wf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (profile.RunReport) instead of the table")
	return cmd
}

// benchRun runs spec on a new allocator built from cfg and returns the
// report, its counters exact. With bar set it draws a progress bar on
// stderr until the run ends. Cancelling ctx (Ctrl-C) ends the run early;
// the report then covers the cycles run.
func (a *app) benchRun(ctx context.Context, cfg embedded.Config, spec workload.Spec, bar bool) (profile.RunReport, error) {
	al, err := embedded.New(cfg, nil)
	if err != nil {
		return profile.RunReport{}, err
	}
	defer al.Close()
	r, err := al.Start(ctx, spec)
	if err != nil {
		return profile.RunReport{}, specError(err)
	}
	if bar {
		drawProgress(a.stderr, colorprofile.NewWriter(a.stderr, a.environ()), r, spec)
	}
	res := r.Wait()
	if res.Err != nil {
		return profile.RunReport{}, res.Err
	}
	// Gate verdicts from the run's hits (profile/verdict.go); a run that
	// was not interrupted finished.
	schema := cfg.Schema()
	return profile.NewRunReport(&schema, al.Snapshot(), res, nil, profile.Settled(ctx.Err() == nil, res.Elapsed)), nil
}

// drawProgress redraws one status line every 100ms until r is done, then
// clears it. The bar goes through styled (which drops colors the terminal
// lacks); the line control codes go to raw.
func drawProgress(raw, styled io.Writer, r *workload.Run, spec workload.Spec) {
	const clearLine = "\r\x1b[2K"
	bar := progress.New(progress.WithWidth(40), progress.WithDefaultBlend())
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Done():
			io.WriteString(raw, clearLine)
			return
		case <-tick.C:
		}
		n := r.Cycles()
		status := fmt.Sprintf(" %d cycles", n)
		switch {
		case spec.Duration > 0:
			el := time.Since(start)
			status = bar.ViewAs(min(1, el.Seconds()/spec.Duration.Seconds())) + status + fmt.Sprintf(" %s/%s", el.Round(100*time.Millisecond), spec.Duration)
		case spec.Cycles > 0:
			status = bar.ViewAs(min(1, float64(n)/float64(spec.Cycles))) + status
		default:
			status += " (Ctrl-C stops)"
		}
		io.WriteString(raw, clearLine)
		io.WriteString(styled, status)
	}
}

// benchText renders rep, a run of the target s describes, for people: a
// summary, the classes that saw any call, and the gates not at their
// defaults.
func benchText(rep profile.RunReport, s *target.Schema) string {
	name := func(r target.Role) string {
		if k := s.CounterOf(r); k >= 0 {
			return s.Counters[k].Name
		}
		return ""
	}
	calls, fastN, refill, fallback, free, remote := name(target.RoleCalls), name(target.RoleFast), name(target.RoleRefill), name(target.RoleFallback), name(target.RoleFree), name(target.RoleRemote)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %d cycles in %.3f s: %.0f ops/s\n", rep.Workload, textfmt.Count(rep.Workers, "worker"), rep.Cycles, rep.Seconds, rep.OpsPerSec)
	fmt.Fprintf(&b, "allocs %d, frees %d, drained %d\n\n", rep.Allocs, rep.Frees, rep.Drained)
	if !rep.StatsCompiled {
		b.WriteString("counters compiled out (-tags haktop_nostats): no per-class table\n")
	} else {
		t := textfmt.NewTable(1, "class", "size", "alloc_calls", "fast %", "refill", "fallback", "free", "remote")
		for i, c := range rep.Classes {
			if c.Count(calls) == 0 && c.Count(free) == 0 {
				continue
			}
			fast := "-" // no call, or no fast path (the large row: every block an mmap)
			if c.Count(calls) > 0 && !s.Classes[i].NoFast {
				fast = textfmt.Points(float64(c.Count(fastN)) / float64(c.Count(calls)))
			}
			t.Row(c.Class, sizeCell(c.Class, c.Size), u(c.Count(calls)), fast, u(c.Count(refill)), u(c.Count(fallback)), u(c.Count(free)), u(c.Count(remote)))
		}
		b.WriteString(t.Render())
		b.WriteString("\n")
	}
	var set []string
	for _, g := range rep.Gates {
		if g.Source != target.SourceDefault {
			set = append(set, fmt.Sprintf("%s=%s (%s)", g.Env, g.Value, g.Source))
		}
	}
	if len(set) == 0 {
		b.WriteString("gates: all at defaults\n")
	} else {
		b.WriteString("gates: " + strings.Join(set, ", ") + "\n")
	}
	if n := rep.Invalid.Total(); n > 0 {
		fmt.Fprintf(&b, "invalid frees: %d\n", n)
	}
	return b.String()
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

// sizeCell is a CLI table's size column for class: its largest block in
// textfmt's units as on the screen, or ">64K" for the large class (L), whose
// blocks have no upper bound.
func sizeCell(class string, size int) string {
	if class == "L" {
		return textfmt.ClassSize(size, 0) // size is the smallest request it serves
	}
	return textfmt.Size(size)
}
