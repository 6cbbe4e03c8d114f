package main

// `haktop ab`: an A/B comparison of two allocator configurations, run as
// interleaved `haktop bench --json` children and judged by package ab. This
// file owns the flags, the pass-through of the shared workload flags to the
// children, the progress bar and the choice of output; the protocol, the
// statistics and the NO-OP rule live in ab/.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/haktop/haktop/ab"
)

// newABRunner returns the Runner for arms a and b and a function that
// releases it. Tests replace it to run fakes or a freshly built haktop.
var newABRunner = func(ctx context.Context, a, b ab.Arm, opt ab.ExecOptions) (ab.Runner, func() error, error) {
	r, err := ab.NewExecRunner(ctx, a, b, opt)
	if err != nil {
		return nil, nil, err
	}
	return r, r.Close, nil
}

func newABCommand(a *app) *cobra.Command {
	var (
		wf                workloadFlags
		specA, specB      string
		tagsA, tagsB      string
		runsFlag          string
		expect            float64
		maxRuns           int
		asJSON            bool
		benchfmtPath, src string
	)
	cmd := &cobra.Command{
		Use:   "ab",
		Short: "A/B-test two gate settings or builds, and check the changed paths ran",
		Long: "ab runs `haktop bench --json` as child processes for two arms, A and B: one warm-up\n" +
			"each (discarded), then A B A B … interleaved, --runs each. It reports each arm's median,\n" +
			"mean ± stdev and CV of ops/s, the delta of the medians with a 95% confidence interval and\n" +
			"a Mann-Whitney p-value, and a verdict:\n" +
			"  GO         B is faster, significantly (p < 0.05)\n" +
			"  NO-GO      B is slower, significantly\n" +
			"  NEUTRAL    no significant difference (or an A/A run: the arms are the same)\n" +
			"  NO-OP      every path guarded by the gates that differ had zero hits in both arms,\n" +
			"             so the change cannot matter (the paths are named)\n" +
			"  UNDECIDED  too few runs finished for the test to ever reach p < 0.05\n" +
			"Beside the verdict it prints the minimum detectable effect: the smallest change of the\n" +
			"median these runs detect with 80% power at their CV, simulated with the same test.\n" +
			"--expect PCT says how many runs PCT needs; --runs auto runs that many (at most\n" +
			"--max-runs), planned after a pilot of 4 runs per arm, and stops early when an\n" +
			"interim look is significant at p < 0.002 (the final look tests at 0.05 minus the\n" +
			"interim looks' 0.002 each, so the false-positive rate stays at most 5%).\n" +
			"Arms whose build tags differ are never NO-OP by gates alone. Children get no HAKMEM_*\n" +
			"variable from this shell (stderr names the ones dropped): each arm is exactly its --a/--b.\n" +
			"An arm with --tags-* is built with go build -tags (both arms are then built from --src,\n" +
			"default the module around the working directory). Ctrl-C stops and reports the runs\n" +
			"that finished.\n" +
			"--benchfmt writes Go benchmark format; compare it with `benchstat -col arm FILE`.",
		Example: "  haktop ab --a 'HAKMEM_POOL_V2_ENABLED=0' --b 'HAKMEM_POOL_V2_ENABLED=1' --workload mid_pool\n" +
			"  haktop ab --a '' --b 'HAKMEM_TINY_CACHE_CAP=2048' --workload tiny_hot --runs 20 --cycles 5000000\n" +
			"  haktop ab --a 'HAKMEM_POOL_V2_ENABLED=0' --b 'HAKMEM_POOL_V2_ENABLED=1' --workload mid_pool --expect 1 --runs auto\n" +
			"  haktop ab --tags-b haktop_nostats --workload random_mixed --json\n" +
			"  haktop ab --a 'HAKMEM_PROFILE=lean' --b 'HAKMEM_PROFILE=speed' --benchfmt ab.bench",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			armA, err := ab.ParseArm("A", specA, tagsA)
			if err != nil {
				return &usageError{err}
			}
			armB, err := ab.ParseArm("B", specB, tagsB)
			if err != nil {
				return &usageError{err}
			}
			opt, err := abRunsOptions(runsFlag, expect, maxRuns, cmd.Flags().Changed("expect"))
			if err != nil {
				return err
			}
			spec, err := wf.spec()
			if err != nil {
				return err
			}
			if spec.Cycles == 0 && spec.Duration == 0 {
				return usagef("--cycles 0 is not valid for ab: a child would run until stopped; want --cycles N or --duration D")
			}
			var bench io.WriteCloser
			if benchfmtPath != "" {
				f, err := os.Create(benchfmtPath)
				if err != nil {
					return usagef("--benchfmt %s: %v: want a file path ab can write", benchfmtPath, err)
				}
				bench = f
				defer f.Close()
			}

			if dropped := ab.Dropped(a.environ()); len(dropped) > 0 {
				fmt.Fprintf(a.stderr, "haktop: ab: children get no HAKMEM_* from this shell, only --a and --b: dropped %s\n", strings.Join(dropped, ", "))
			}
			ctx := cmd.Context()
			runner, release, err := newABRunner(ctx, armA, armB, ab.ExecOptions{Src: src, BenchArgs: passThrough(wf.fs), Log: a.stderr})
			if err != nil {
				return err
			}
			defer release()
			var bar *abProgress
			if a.stderrIsTTY() {
				bar = newABProgress(a.stderr, colorprofile.NewWriter(a.stderr, a.environ()), 2+2*opt.Runs)
				opt.Progress = bar.update
				defer bar.clear()
			}
			opt.OnPlan = func(p ab.AutoPlan) {
				if bar != nil {
					bar.clear()
				}
				fmt.Fprintf(a.stderr, "haktop ab: %s\n", ab.PlanLine(p))
			}
			o, err := ab.Execute(ctx, runner, armA, armB, opt)
			if err != nil {
				return err
			}
			rep, err := ab.Analyze(o)
			if err != nil {
				return err
			}
			if bench != nil {
				if err := ab.WriteBenchfmt(bench, o, rep); err != nil {
					return fmt.Errorf("--benchfmt %s: %v", benchfmtPath, err)
				}
				if err := bench.Close(); err != nil {
					return fmt.Errorf("--benchfmt %s: %v", benchfmtPath, err)
				}
			}
			if opt.Progress != nil {
				io.WriteString(a.stderr, abClearLine)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false) // reasons hold ">=", read by people too
				return enc.Encode(rep)
			}
			return ab.WriteText(colorprofile.NewWriter(a.stdout, a.environ()), rep)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&specA, "a", "", "arm A's gates: space-separated HAKMEM_NAME=VALUE pairs (default: all at defaults)")
	fs.StringVar(&specB, "b", "", "arm B's gates, like --a")
	fs.StringVar(&tagsA, "tags-a", "", "go build tags for arm A, e.g. haktop_nostats (needs a Go toolchain)")
	fs.StringVar(&tagsB, "tags-b", "", "go build tags for arm B")
	fs.StringVar(&runsFlag, "runs", strconv.Itoa(ab.DefaultRuns), "measured runs `N` per arm after one warm-up each (4 or more), or auto: planned for --expect")
	fs.Float64Var(&expect, "expect", 0, "the change `PCT` in percent you hope to detect, e.g. 1 or 0.5: the report says how many runs it needs")
	fs.IntVar(&maxRuns, "max-runs", ab.DefaultMaxRuns, "the most runs per arm --runs auto plans")
	fs.BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	fs.StringVar(&benchfmtPath, "benchfmt", "", "also write the runs to `FILE` in Go benchmark format (benchstat -col arm FILE)")
	fs.StringVar(&src, "src", "", "haktop module source `DIR` to build tagged arms from (default: the module around the working directory)")
	// The workload flags live in their own set, so passThrough can hand
	// exactly the ones given on the command line to the children.
	wfs := pflag.NewFlagSet("workload", pflag.ContinueOnError)
	wf.register(wfs)
	fs.AddFlagSet(wfs)
	return cmd
}

// abRunsOptions returns the protocol options that --runs, --expect and
// --max-runs ask for, or a usage error naming the bad value.
func abRunsOptions(runs string, expect float64, maxRuns int, expectSet bool) (ab.Options, error) {
	minRuns := ab.MinRuns()
	if expectSet && !(expect > 0 && expect < 100) {
		return ab.Options{}, usagef("--expect %v is not valid: want the change to detect in percent, above 0 and below 100, e.g. 1 or 0.5", expect)
	}
	if maxRuns < minRuns {
		return ab.Options{}, usagef("--max-runs %d is too few: want %d or more runs per arm, the fewest with which the test can reach p < %.2g", maxRuns, minRuns, ab.Alpha)
	}
	opt := ab.Options{ExpectPercent: expect, MaxRuns: maxRuns}
	if strings.EqualFold(runs, "auto") {
		if !expectSet {
			return ab.Options{}, usagef("--runs auto needs --expect PCT, the change to plan the runs for, e.g. --expect 1")
		}
		opt.Auto, opt.Runs = true, minRuns
		return opt, nil
	}
	n, err := strconv.Atoi(runs)
	if err != nil {
		return ab.Options{}, usagef("--runs %q is not valid: want a number of runs per arm (%d or more) or auto", runs, minRuns)
	}
	if n < minRuns {
		return ab.Options{}, usagef("--runs %d is too few: the Mann-Whitney test cannot reach p < %.2g with fewer than %d runs per arm; want --runs %d or more, or --runs auto --expect PCT",
			n, ab.Alpha, minRuns, minRuns)
	}
	opt.Runs = n
	return opt, nil
}

// passThrough returns the workload flags given on the command line, as
// --name=value arguments for a child `haktop bench`.
func passThrough(fs *pflag.FlagSet) []string {
	var args []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			args = append(args, "--"+f.Name+"="+f.Value.String())
		}
	})
	return args
}

const abClearLine = "\r\x1b[2K"

// abProgress is the one-line progress bar ab draws on a terminal's stderr:
// the bar and the count of finished children, with a time estimate.
type abProgress struct {
	raw, styled io.Writer
	bar         progress.Model
	total       int
	start       time.Time
}

func newABProgress(raw, styled io.Writer, total int) *abProgress {
	p := &abProgress{raw: raw, styled: styled, bar: progress.New(progress.WithWidth(40), progress.WithDefaultBlend()), total: total, start: time.Now()}
	p.update(0, total)
	return p
}

// update redraws the line after done of total children finished.
func (p *abProgress) update(done, total int) {
	status := fmt.Sprintf(" %d/%d runs", done, total)
	if done > 0 && done < total {
		left := time.Since(p.start) / time.Duration(done) * time.Duration(total-done)
		status += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	io.WriteString(p.raw, abClearLine)
	io.WriteString(p.styled, p.bar.ViewAs(float64(done)/float64(total))+status)
}

func (p *abProgress) clear() { io.WriteString(p.raw, abClearLine) }
