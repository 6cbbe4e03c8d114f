package main

// The interactive view: bare `haktop` (root.go calls runLive) runs a live session with the same workload flags as
// bench, and `haktop replay FILE` shows a recording on the same screen. Both
// refuse to start without a terminal and point at the headless commands.
// The screen itself lives in tui/; this file only wires flags to it.

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/haktop/haktop/expose"
	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/tui"
)

// liveFlags are the bare `haktop` command's own flags (subcommands do not
// inherit them).
type liveFlags struct {
	wf        workloadFlags
	sort      string
	interval  time.Duration
	noProfile bool
	listen    listenFlags
}

func (f *liveFlags) register(fs *pflag.FlagSet) {
	f.wf.register(fs)
	// The view runs until you quit, not for a workload's default cycles.
	fs.Lookup("cycles").Usage = "stop the workload after this many allocator calls across workers (default: run until you quit with q); the view stays up with the run's last rates"
	fs.Lookup("duration").Usage = "stop the workload after this long, e.g. 30s (default: run until you quit)"
	fs.StringVar(&f.sort, "sort", "class", "classes table sort column: "+strings.Join(tui.SortColumnNames(), ", "))
	fs.DurationVar(&f.interval, "interval", sampler.DefaultInterval, "sampling interval")
	fs.BoolVar(&f.noProfile, "no-profile", false, "do not profile the CPU (no CPU % per path)")
	f.listen.register(fs, "")
}

// runLive runs the bare `haktop`: a live session on the screen.
func (a *app) runLive(cmd *cobra.Command, f *liveFlags) error {
	spec, err := f.wf.spec()
	if err != nil {
		return err
	}
	if !cmd.Flags().Changed("cycles") && !cmd.Flags().Changed("duration") {
		spec.Cycles = 0 // the live view runs until q unless told otherwise
	}
	col, err := tui.ParseSortColumn(f.sort)
	if err != nil {
		return usagef("%v", err)
	}
	if f.interval < sampler.MinInterval {
		return usagef("--interval %v is not valid: want %v or more", f.interval, sampler.MinInterval)
	}
	cfg, unknown, err := a.allocatorConfig()
	if err != nil {
		return err
	}
	if err := a.needTerminal(); err != nil {
		return err
	}
	l, err := f.listen.listen()
	if err != nil {
		return err
	}
	var warnings []string
	for _, u := range unknown {
		warnings = append(warnings, u.Short())
	}
	eng, err := live.NewEngine(live.EngineConfig{Spec: spec, Alloc: cfg, Interval: f.interval, Profile: !f.noProfile, Warnings: warnings,
		StatsOut: a.stderr}) // the last HAKMEM_POOL_V2_STATS dump, once the screen is gone
	if err != nil {
		if l != nil {
			l.Close()
		}
		return err
	}
	var src live.Source = eng
	if l != nil { // the server logs nothing: the screen is the terminal's
		src = servedEngine{eng, expose.Serve(l, expose.Handler(eng, f.listen.options()))}
	}
	return tui.Run(cmd.Context(), src, tui.Options{Sort: col, Dark: true}, os.Stdin, a.stdout)
}

// hasTerminal reports whether stdin and stdout are terminals.
func (a *app) hasTerminal() bool {
	return isTerminal(a.stdout) && term.IsTerminal(int(os.Stdin.Fd()))
}

// needTerminal returns a usage error unless stdin and stdout are terminals.
func (a *app) needTerminal() error {
	if a.hasTerminal() {
		return nil
	}
	return usagef("the interactive view needs a terminal on stdin and stdout: use `haktop bench` for a one-shot run (--json for JSON) or `haktop record -o FILE` to record a session")
}

func newReplayCommand(a *app) *cobra.Command {
	var sort string
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Show a recorded session on the interactive screen",
		Long: "replay plays a recording (haktop record, or r in the live view) back on the live view's\n" +
			"screen: ←/→ seek, space plays and pauses, 1/2/4/8 set the speed, q quits.\n" +
			"A damaged file is reported before the screen starts.",
		Example: "  haktop replay session.jsonl\n  haktop replay --sort alloc session.jsonl.gz",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("replay takes one recording FILE, got %d arguments (see haktop replay --help)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			col, err := tui.ParseSortColumn(sort)
			if err != nil {
				return usagef("%v", err)
			}
			rec, err := a.loadRecording(args[0])
			if err != nil {
				return err
			}
			src, err := live.NewReplay(rec)
			if err != nil {
				return err
			}
			if !a.hasTerminal() {
				return usagef("replay needs a terminal on stdin and stdout: use `haktop report %s` for the recording's summary (--json for JSON)", args[0])
			}
			return tui.Run(cmd.Context(), src, tui.Options{Sort: col, Replay: true, Dark: true}, os.Stdin, a.stdout)
		},
	}
	cmd.Flags().StringVar(&sort, "sort", "class", "classes table sort column: "+strings.Join(tui.SortColumnNames(), ", "))
	return cmd
}
