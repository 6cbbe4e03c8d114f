package main

// `haktop run [flags] -- CMD [ARGS...]`: start CMD under haktop's preload
// shim (target/process, the same start as `record -- CMD`: --preload,
// --output, --counters, --interval, --listen) and show it on the live
// view through live.Process. CMD's stdout and stderr go to --output (a temp
// file by default, named once the screen is gone), never over the screen.
// haktop exits with CMD's exit status (128+N for signal N) once the user
// quits; q stops a CMD that still runs (SIGTERM, SIGKILL after a grace
// period).

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/haktop/haktop/expose"
	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/process"
	"github.com/haktop/haktop/tui"
)

func newRunCommand(a *app) *cobra.Command {
	var (
		cf       commandFlags
		interval time.Duration
		sort     string
		listen   listenFlags
	)
	cmd := &cobra.Command{
		Use:   "run [flags] -- CMD [ARGS...]",
		Short: "Start a program under haktop's preload shim and watch its allocator on the live view",
		Long: "run starts CMD with haktop's preload shim first in LD_PRELOAD (--preload LIB.so runs it on\n" +
			"that allocator) and shows its classes, rates, paths and gates on the live view, with CMD's\n" +
			"pid, elapsed time, RSS and CPU in the header and, once it ends, how it ended. The counters\n" +
			"are the allocator's own when it publishes them (haktop.h), else jemalloc's bins when CMD\n" +
			"runs on jemalloc, else the shim's per-request-size classes (see --counters). Only those\n" +
			"classes need the shim that interposes (and so slows) every allocation call: for the\n" +
			"others haktop preloads a build of it that interposes nothing.\n\n" +
			"Keys: space pauses and resumes CMD (SIGSTOP/SIGCONT), r records (the session file record\n" +
			"-- CMD writes), e exports a counter profile, s sorts, tab moves the focus, q stops CMD\n" +
			"(SIGTERM, then SIGKILL after 2s) and quits. haktop exits with CMD's exit status (128+N\n" +
			"for signal N). CMD's stdout and stderr go to --output (default: a file in a new temp\n" +
			"directory), named when the screen closes.",
		Example: "  haktop run -- ./bench 1000000\n" +
			"  haktop run --preload /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 -- ./bench 1000000\n" +
			"  haktop run --output bench.out --interval 100ms -- ./bench",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("run needs a command to run after --, e.g. haktop run -- ./prog ARGS (see haktop run --help)")
			}
			if cmd.ArgsLenAtDash() != 0 {
				return usagef("unexpected argument %q: a command to run goes after --, e.g. haktop run -- ./prog ARGS", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("worker-label") {
				return usagef("--worker-label does not apply to haktop run: a command has no workers")
			}
			col, err := tui.ParseSortColumn(sort)
			if err != nil {
				return usagef("%v", err)
			}
			if interval < sampler.MinInterval {
				return usagef("--interval %v is not valid: want a duration of at least %v, like 100ms or 1s", interval, sampler.MinInterval)
			}
			if _, err := process.Find(args[0]); err != nil {
				return &usageError{err}
			}
			if !a.hasTerminal() {
				return usagef("run needs a terminal on stdin and stdout: use `haktop record -o FILE -- %s` to record the command headless", args[0])
			}
			return a.runCommand(cmd, args, cf, interval, col, &listen)
		},
	}
	cf.register(cmd.Flags())
	cmd.Flags().Lookup("output").Usage = "the file CMD's stdout and stderr go to (default: output in a new temp directory, named on quit)"
	cmd.Flags().DurationVar(&interval, "interval", sampler.DefaultInterval, fmt.Sprintf("time between samples, at least %v", sampler.MinInterval))
	cmd.Flags().StringVar(&sort, "sort", "class", "classes table sort column: "+strings.Join(tui.SortColumnNames(), ", "))
	listen.register(cmd.Flags(), "")
	return cmd
}

// runCommand starts argv and shows it until the user quits, then returns
// CMD's exit status as an exitStatusError when it is not 0.
func (a *app) runCommand(cmd *cobra.Command, argv []string, cf commandFlags, interval time.Duration, col tui.SortColumn, lf *listenFlags) error {
	output := cf.output
	if output == "" {
		d, err := os.MkdirTemp("", "haktop-run-")
		if err != nil {
			return err
		}
		output = d + "/output"
	}
	l, err := lf.listen()
	if err != nil {
		return err
	}
	p, err := process.Start(argv, process.Options{Preload: cf.preload, Output: output, Table: cf.counters})
	if err != nil {
		if l != nil {
			l.Close()
		}
		var ce *process.CommandError
		if errors.As(err, &ce) || strings.HasPrefix(err.Error(), "--preload") {
			return &usageError{err}
		}
		return err
	}
	src, err := live.NewProcess(live.ProcessConfig{Process: p, Interval: interval})
	if err != nil {
		p.Close()
		if l != nil {
			l.Close()
		}
		return err
	}
	var view live.Source = src
	if l != nil { // the server logs nothing: the screen is the terminal's
		view = servedProcess{src, expose.Serve(l, expose.Handler(src, lf.options()))}
	}
	// A hang-up (the terminal went away) or SIGTERM ends the screen like
	// q, so CMD is stopped rather than left running without haktop.
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGHUP, syscall.SIGTERM)
	defer stop()
	err = tui.Run(ctx, view, tui.Options{Sort: col, Dark: true}, os.Stdin, a.stdout)
	exit, _ := src.Exit()
	fmt.Fprintf(a.stdout, "haktop: %s (pid %d) %s; its output is in %s\n", argv[0], p.PID(), exit, output)
	if err != nil {
		return err
	}
	if s := exit.Status(); s != 0 {
		return &exitStatusError{s}
	}
	return nil
}

// servedProcess is a command's Source whose endpoints stop before it closes.
type servedProcess struct {
	*live.Process
	srv *expose.Server
}

func (s servedProcess) Close() error {
	s.srv.Close()
	return s.Process.Close()
}
