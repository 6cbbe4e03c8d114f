package main

// `haktop gates`: run a workload briefly with CPU profiling and print every
// gate's verdict per guarded path (profile.Verdicts), and `haktop gates
// --audit [DIR]`: list the HAKMEM_* env reads in Go source (profile.Audit).
// The verdict rules live in profile/verdict.go; this file only runs,
// renders and picks the exit code: 1 when a verdict is INCONSISTENT or an
// audited read is undeclared, so both can guard CI.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
	"github.com/haktop/haktop/workload"
)

// gatesDefaultDuration is how long gates runs without --cycles or --duration.
const gatesDefaultDuration = time.Second

func newGatesCommand(a *app) *cobra.Command {
	var (
		wf     workloadFlags
		asJSON bool
		audit  bool
	)
	cmd := &cobra.Command{
		Use:   "gates [--audit [DIR]]",
		Short: "Show whether each env gate's code paths actually run (or audit env reads)",
		Long: "gates runs a workload briefly (1s unless --cycles N > 0 or --duration is given) on an\n" +
			"allocator configured by the HAKMEM_* environment, with the CPU profiler on, and prints\n" +
			"every gate with its value, its source and a verdict per path it guards:\n" +
			"  OFF             the gate's value (or another gate's) switches the path off\n" +
			"  ACTIVE          the path ran: it has hits (CPU samples when built without counters)\n" +
			"  IDLE            the path did not run, but the gate's other paths did\n" +
			"  NEVER EXECUTED  the gate enables the path, yet none of its paths ran: A/B-testing\n" +
			"                  the gate measures nothing\n" +
			"  INCONSISTENT    the path ran although its gate says off: a bug (exit status 1)\n" +
			"  UNKNOWN         built without counters, and no CPU sample landed on the path\n" +
			"A run interrupted before " + profile.WarmUp.String() + " reports WARMING UP instead of NEVER EXECUTED;\n" +
			"a run that finished is final at any length. The rules: README.md, profile/verdict.go.\n\n" +
			"--audit [DIR] runs nothing: it parses the Go source under DIR (default \".\") and lists\n" +
			"every os.Getenv, os.LookupEnv and syscall.Getenv of a HAKMEM_* name with file:line,\n" +
			"named constants resolved. Exit status 1 when a name is not declared in the gate\n" +
			"registry (allocator/gates.go). Reads whose name is decided at run time (a variable, or\n" +
			"the function passed as a value, as the registry itself does) are listed as unresolved.",
		Example: "  haktop gates\n" +
			"  HAKMEM_POOL_V2_ENABLED=1 haktop gates --workload tiny_hot      # pool v2: NEVER EXECUTED\n" +
			"  HAKMEM_POOL_V2_ENABLED=1 haktop gates --workload mid_pool --json\n" +
			"  haktop gates --audit .",
		Args: func(cmd *cobra.Command, args []string) error {
			if audit {
				if len(args) > 1 {
					return usagef("gates --audit takes at most one DIR (got %d arguments): haktop gates --audit [DIR]", len(args))
				}
				var workloadFlag string
				cmd.Flags().Visit(func(f *pflag.Flag) {
					if f.Name != "audit" && f.Name != "json" && workloadFlag == "" {
						workloadFlag = f.Name
					}
				})
				if workloadFlag != "" {
					return usagef("--%s does not go with --audit, which reads source and runs no workload: give one or the other", workloadFlag)
				}
				return nil
			}
			if len(args) > 0 {
				return usagef("gates takes no arguments (got %q); to audit a directory: haktop gates --audit DIR", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if audit {
				dir := "."
				if len(args) == 1 {
					dir = args[0]
				}
				return a.gatesAudit(dir, asJSON)
			}
			spec, err := wf.spec()
			if err != nil {
				return err
			}
			switch {
			case !wf.fs.Changed("cycles") && !wf.fs.Changed("duration"):
				spec.Cycles, spec.Duration = 0, gatesDefaultDuration
			case spec.Cycles == 0 && spec.Duration == 0:
				// 0 means "until Ctrl-C" to bench and record; gates ends by itself, as ab does.
				return usagef("--cycles 0 is not valid for gates, which runs briefly: want --cycles N (N > 0) or --duration D, or neither for %v", gatesDefaultDuration)
			}
			cfg, _, err := a.allocatorConfig()
			if err != nil {
				return err
			}
			doc, err := gatesRun(cmd.Context(), cfg, spec)
			if err != nil {
				return err
			}
			if err := a.writeResult(asJSON, doc, func() string { return gatesText(doc) }); err != nil {
				return err
			}
			return inconsistentError(doc.Gates)
		},
	}
	wf.register(cmd.Flags())
	// gates ends by itself: 0 (bench's "until Ctrl-C") is refused.
	cmd.Flags().Lookup("cycles").Usage = fmt.Sprintf("total allocator calls across workers, more than 0 (default: run for %v)", gatesDefaultDuration)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of the table")
	cmd.Flags().BoolVar(&audit, "audit", false, "list the HAKMEM_* env reads in the Go source under DIR instead of running")
	return cmd
}

// gatesDoc is gates' JSON object. Field names are a public format: add
// fields, never rename them.
type gatesDoc struct {
	Workload    string                `json:"workload"`
	Workers     int                   `json:"workers"`
	Cycles      int64                 `json:"cycles"`
	Seconds     float64               `json:"seconds"`
	WarmedUp    bool                  `json:"warmed_up"`
	CPUSamples  int64                 `json:"cpu_samples"`
	Gates       []profile.GateVerdict `json:"gates"` // the run report's gates (profile.RunReport), in gates' own shape
	Attribution profile.Attribution   `json:"attribution"`
}

// gatesRun runs spec under cfg with the CPU profiler on and returns the
// verdicts from the exact final hits and the session's CPU samples.
func gatesRun(ctx context.Context, cfg embedded.Config, spec workload.Spec) (gatesDoc, error) {
	schema := cfg.Schema()
	col, err := profile.NewCollector(profile.DefaultWindow, &schema)
	if err != nil {
		return gatesDoc{}, err
	}
	al, err := embedded.New(cfg, nil)
	if err != nil {
		return gatesDoc{}, err
	}
	defer al.Close()
	if err := col.Start(); err != nil {
		return gatesDoc{}, err
	}
	r, err := al.Start(ctx, spec)
	if err != nil {
		col.Stop()
		return gatesDoc{}, specError(err)
	}
	res := r.Wait()
	profErr := col.Stop()
	if res.Err != nil {
		return gatesDoc{}, res.Err
	}
	if profErr != nil {
		return gatesDoc{}, profErr
	}
	att := col.Total()
	snap := al.Snapshot()
	// A run that was not interrupted finished: it did all it was asked.
	settled := profile.Settled(ctx.Err() == nil, res.Elapsed)
	return gatesDocOf(profile.NewRunReport(&schema, snap, res, att.PathSamples(), settled), settled, att), nil
}

// gatesDocOf returns the gates document of run report rep (whose verdicts
// rest on the hits and the CPU samples of att), settled or not.
func gatesDocOf(rep profile.RunReport, settled bool, att profile.Attribution) gatesDoc {
	return gatesDoc{
		Workload: rep.Workload, Workers: rep.Workers, Cycles: rep.Cycles, Seconds: rep.Seconds,
		WarmedUp: settled, CPUSamples: att.Samples, Gates: rep.Gates, Attribution: att,
	}
}

// gatesText renders doc for people: the run, where the CPU went, the
// verdict table, then a loud line for every path that is INCONSISTENT or
// NEVER EXECUTED.
func gatesText(doc gatesDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %d cycles in %.3f s, %d CPU samples\n", doc.Workload, textfmt.Count(doc.Workers, "worker"), doc.Cycles, doc.Seconds, doc.CPUSamples)
	b.WriteString("CPU     " + cpuShares(doc.Attribution, 6) + "\n\n")

	t := textfmt.NewTable(6, "gate", "value", "source", "verdict", "path", "path verdict", "hits", "samples")
	for _, g := range doc.Gates {
		if len(g.Paths) == 0 {
			t.Row(g.Env, g.Value, g.Source, string(g.Verdict), "-", "", "", "")
			continue
		}
		for i, p := range g.Paths {
			env, value, source, verdict := g.Env, g.Value, g.Source, string(g.Verdict)
			if i > 0 {
				env, value, source, verdict = "", "", "", ""
			}
			pv := string(p.Verdict)
			if p.OffBy != "" && p.OffBy != g.Env {
				pv += " (by " + p.OffBy + ")"
			}
			t.Row(env, value, source, verdict, p.Path, pv, u(p.Hits), strconv.FormatInt(p.Samples, 10))
		}
	}
	b.WriteString(t.Render() + "\n")
	b.WriteString(verdictNotes(doc.Gates, doc.Workload))
	return b.String()
}

// verdictNotes returns a loud line for every INCONSISTENT path (once,
// under the gate that switches it off) and every NEVER EXECUTED gate,
// after one blank line; "" when there is none.
func verdictNotes(gates []profile.GateVerdict, workloadName string) string {
	var b strings.Builder
	for _, g := range gates {
		var never []string
		for _, p := range g.Paths {
			switch {
			case p.Verdict == profile.Inconsistent && p.OffBy == g.Env:
				fmt.Fprintf(&b, "!! INCONSISTENT: %s says %s is off, yet it ran (%d hits, %d CPU samples): a gate or allocator bug\n",
					p.OffBy, p.Path, p.Hits, p.Samples)
			case p.Verdict == profile.NeverExecuted:
				never = append(never, p.Path)
			}
		}
		if g.Verdict == profile.NeverExecuted {
			fmt.Fprintf(&b, "NEVER EXECUTED: %s=%s guards %s, which never ran under %s: an A/B test of this gate here measures nothing\n",
				g.Env, g.Value, strings.Join(never, ", "), workloadName)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\n" + b.String()
}

// cpuShares lists the n largest rows of a with their share of CPU.
func cpuShares(a profile.Attribution, n int) string {
	if a.Samples == 0 {
		return "no CPU samples (the run was too short for the 100 Hz profiler)"
	}
	rows := slices.Clone(a.Rows)
	// Stable, so equal shares keep registry order.
	slices.SortStableFunc(rows, func(x, y profile.Row) int { return cmp.Compare(y.BasisPoints, x.BasisPoints) })
	var parts []string
	for _, r := range rows[:min(n, len(rows))] {
		if r.BasisPoints > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f%%", r.Key, r.Percent()))
		}
	}
	return strings.Join(parts, ", ")
}

// inconsistentError returns an error naming every INCONSISTENT path, or nil.
func inconsistentError(gates []profile.GateVerdict) error {
	var bad []string
	for _, g := range gates {
		for _, p := range g.Paths {
			if p.Verdict == profile.Inconsistent && p.OffBy == g.Env {
				bad = append(bad, g.Env+" "+p.Path)
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("INCONSISTENT: paths ran although their gate switches them off: %s", strings.Join(bad, ", "))
}

// gatesAudit prints the env reads under dir; it fails when any is undeclared.
func (a *app) gatesAudit(dir string, asJSON bool) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("DIR %q is not valid: want a directory of Go source (default \".\")", dir)
	}
	schema := embedded.DefaultSchema()
	reads, err := profile.Audit(dir, embedded.EnvPrefix, &schema)
	if err != nil {
		return err
	}
	for i := range reads {
		reads[i].File = filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(reads[i].File)))
	}
	if asJSON {
		if reads == nil {
			reads = []profile.EnvRead{}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reads); err != nil {
			return err
		}
	} else if _, err := io.WriteString(a.stdout, auditText(dir, reads)); err != nil {
		return err
	}
	undeclared := profile.Undeclared(reads)
	if len(undeclared) == 0 {
		return nil
	}
	var where []string
	for _, r := range undeclared {
		where = append(where, fmt.Sprintf("%s (%s:%d)", r.Name, r.File, r.Line))
	}
	return fmt.Errorf("%s not declared in the gate registry (allocator/gates.go): %s",
		textfmt.Count(len(undeclared), "HAKMEM_* read"), strings.Join(where, ", "))
}

// auditText renders the reads one per line, file:line first, then a count.
func auditText(dir string, reads []profile.EnvRead) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	var declared, undeclared, unresolved int
	for _, r := range reads {
		var call, status string
		switch {
		case r.Kind == profile.ReadFuncValue:
			call, status = r.Func+" as a value", "unresolved: names decided at run time"
			unresolved++
		case r.Unresolved():
			call, status = r.Func+"(non-constant)", "unresolved: name decided at run time"
			unresolved++
		case r.Declared:
			call, status = fmt.Sprintf("%s(%q)", r.Func, r.Name), "declared"
			declared++
		default:
			call, status = fmt.Sprintf("%s(%q)", r.Func, r.Name), "UNDECLARED"
			undeclared++
		}
		if r.Kind == profile.ReadConstant {
			call += " via a constant"
		}
		fmt.Fprintf(tw, "%s:%d:\t%s\t%s\n", r.File, r.Line, call, status)
	}
	tw.Flush()
	fmt.Fprintf(&b, "audited %s: %s declared, %d undeclared, %d unresolved\n",
		dir, textfmt.Count(declared, "HAKMEM_* read"), undeclared, unresolved)
	return b.String()
}
