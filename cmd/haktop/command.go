package main

// `haktop record -o FILE -- CMD [ARGS...]`: record a program haktop starts
// under its preload shim (target/process) instead of a workload: its
// counters every --interval, how it ended in the footer, and CMD's exit
// status as haktop's own.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/process"
)

// commandFlags are the flags of a command run under the shim.
type commandFlags struct {
	preload, output, counters string
}

// commandOnly names the flags that only a command run reads.
var commandOnly = []string{"preload", "output", "counters"}

// commandShared are the flags record reads both for a workload and a command.
var commandShared = []string{"out", "force", "interval", "strict-gates", "listen", "listen-public"}

func (f *commandFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.preload, "preload", "", "with -- CMD: a library to preload after the shim, e.g. /usr/lib/x86_64-linux-gnu/libjemalloc.so.2")
	fs.StringVar(&f.output, "output", "", "with -- CMD: the file CMD's stdout and stderr go to (default: the session file's name plus .out)")
	fs.StringVar(&f.counters, "counters", "", "with -- CMD: the counters to record: "+process.TableRequests+" (the shim's, per request class), "+
		process.TableJemalloc+" (jemalloc's bins) or the name of a table the allocator publishes (default: the allocator's own, else jemalloc's, else the shim's); only "+process.TableRequests+" interposes every allocation call, the others run CMD at its own speed")
}

// commandArgs accepts arguments only after --: they are CMD and its arguments.
func commandArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && cmd.ArgsLenAtDash() != 0 {
		return usagef("unexpected argument %q: a command to run goes after --, e.g. haktop %s -o s.jsonl -- ./prog ARGS", args[0], cmd.Name())
	}
	return nil
}

// onlyFor refuses the flags a command run does not read (the workload's
// and the hooks'), naming the first one given.
func (f *commandFlags) onlyFor(cmd *cobra.Command, _ *pflag.FlagSet, _ []recordHook) error {
	var bad string
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		for _, ok := range append(append([]string{}, commandOnly...), commandShared...) {
			if fl.Name == ok {
				return
			}
		}
		if bad == "" {
			bad = fl.Name
		}
	})
	if bad != "" {
		return usagef("--%s does not apply to a command run (-- CMD): it sets up haktop's own workload; the flags for CMD are --%s", bad, strings.Join(commandOnly, ", --"))
	}
	return nil
}

// notWithout refuses the command flags when no command is given.
func (f *commandFlags) notWithout(cmd *cobra.Command) error {
	for _, n := range commandOnly {
		if cmd.Flags().Changed(n) {
			return usagef("--%s applies only to a command run: give the command after --, e.g. haktop %s -o s.jsonl --%s ... -- ./prog", n, cmd.Name(), n)
		}
	}
	return nil
}

// exitText says how a recorded command ended, as process.Exit does.
func exitText(e sampler.Exit) string {
	x := process.Exit{Code: e.Code, Core: e.Core}
	if e.Signal != "" {
		x.Signal = unix.SignalNum(e.Signal)
		if x.Signal == 0 {
			return "killed by " + e.Signal
		}
	}
	return x.String()
}

// exitStatusError makes haktop exit with a recorded command's status; it
// prints nothing (the summary said how the command ended).
type exitStatusError struct{ status int }

func (e *exitStatusError) Error() string {
	return fmt.Sprintf("the command's exit status %d", e.status)
}

// recordCommand records argv run under the shim until it ends, or until
// ctx is done (then it is stopped: SIGTERM, SIGKILL after a grace period).
func (a *app) recordCommand(ctx context.Context, argv []string, cf commandFlags, out string, force bool, interval time.Duration, serve func(*live.Process)) error {
	output := cf.output
	if output == "" {
		if out == "-" {
			d, err := os.MkdirTemp("", "haktop-cmd-")
			if err != nil {
				return err
			}
			output = d + "/output"
		} else {
			output = out + ".out"
		}
	}
	if _, err := process.Find(argv[0]); err != nil {
		return &usageError{err}
	}
	f, err := a.openSession(out, force)
	if err != nil {
		return err
	}
	p, err := process.Start(argv, process.Options{Preload: cf.preload, Output: output, Table: cf.counters})
	if err != nil {
		f.Close()
		if out != "-" {
			os.Remove(out) // nothing was recorded
		}
		var ce *process.CommandError
		if errors.As(err, &ce) || strings.HasPrefix(err.Error(), "--preload") {
			return &usageError{err}
		}
		return err
	}
	schema := p.Schema()
	if why := p.Unmeasured(); why != "" {
		fmt.Fprintf(a.stderr, "haktop: warning: %s\n", why)
	}
	// The header haktop run's r writes too.
	rec, err := sampler.NewRecorder(out, f, out != "-" && strings.HasSuffix(out, ".gz"), live.CommandHeader(p, schema, interval))
	if err != nil {
		p.Close()
		return err
	}
	// live.Process samples CMD and writes the recording, headless: the one
	// loop, final sample and footer of a command haktop runs.
	src, err := live.NewProcess(live.ProcessConfig{Process: p, Interval: interval, Record: rec, StopReason: "interrupted"})
	if err != nil {
		p.Close()
		return err
	}
	defer src.Close()
	serve(src) // --listen, when given
	select {
	case <-src.Done():
	case <-ctx.Done(): // stop CMD: SIGTERM, SIGKILL after the grace period
	}
	src.Close() // the final counters, from the tables CMD left, and the footer
	exit, _ := src.Exit()
	seq, last, reason, err := src.Recorded()
	if err != nil {
		return err
	}
	summary, where := a.stdout, out
	if out == "-" {
		summary, where = a.stderr, "stdout"
	}
	counters := schema.Target + " counters"
	if !schema.Counted {
		counters = "no counters"
	}
	fmt.Fprintf(summary, "recorded %d samples of %s (pid %d, %s) over %s to %s (%d records; %s): %s; its output is in %s\n",
		seq, argv[0], p.PID(), counters, last.Round(time.Millisecond), where, rec.Records(), reason, exit, output)
	if s := exit.Status(); s != 0 {
		return &exitStatusError{s}
	}
	return nil
}
