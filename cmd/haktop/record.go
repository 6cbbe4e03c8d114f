package main

// `haktop record -o FILE`: run a workload like bench while a sampler writes
// every sample to a session file (sampler's FORMAT), then the footer, also
// on SIGINT, SIGTERM or SIGHUP (stopSignals). Extensions in other files (e.g. --cpuprofile) are
// listed in recordHooks: each adds its flags and is told when the session
// starts and ends.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// recordHooks are record's extensions. Each is called once per command
// construction with record's FlagSet, to register its flags, and returns
// the hook to run in the session.
var recordHooks = []func(fs *pflag.FlagSet) recordHook{cpuProfileHook, listenHook}

// recordHook is one extension's part in a session. Any func may be nil.
type recordHook struct {
	// Check runs before anything is opened or run, e.g. to open a
	// listener; an error (a usage error, say) ends the command.
	Check func() error
	// Release runs once the command is done, whether or not the session
	// started.
	Release func()
	// Start runs after the workload and the sampler have started; an error
	// stops the session (and is reported once the footer is written).
	Start func(ctx context.Context, s *recordSession) error
	// Stop runs after the final sample, before the footer is written.
	Stop func(s *recordSession) error
}

// recordSession is what hooks may use of a running session.
type recordSession struct {
	app       *app
	Spec      workload.Spec
	Alloc     *embedded.Instance
	Run       *workload.Run
	Sampler   *sampler.Sampler
	Recorder  *sampler.Recorder
	Started   time.Time          // when the sampler started (its samples' Elapsed 0), on the wall clock
	Collector *profile.Collector // the --cpuprofile collector, once it runs; nil without
}

// stopSignals end a recording early, with its footer (and stop a CMD it
// runs): Ctrl-C, SIGTERM and a hang-up (the terminal closed), unless haktop
// was started with hang-ups ignored (nohup), which it then keeps ignoring.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

func newRecordCommand(a *app) *cobra.Command {
	var (
		wf       workloadFlags
		out      string
		force    bool
		interval time.Duration
		hooks    []recordHook
		cf       commandFlags
	)
	cmd := &cobra.Command{
		Use:   "record -o FILE [flags] [-- CMD [ARGS...]]",
		Short: "Run a workload and record its counters over time to a session file",
		Long: "record runs a workload like bench, sampling the allocator's counters every --interval\n" +
			"into FILE: a header (machine, workload, every gate), one line per sample with the raw\n" +
			"counters, and a footer with totals. A name ending in .gz is gzip-compressed. An existing\n" +
			"FILE is refused unless --force is given; -o - writes the session to stdout (the summary\n" +
			"line then goes to stderr). Each line is flushed as it is written, so a killed run leaves\n" +
			"a readable prefix; Ctrl-C, SIGTERM or a hang-up ends the run and still writes the footer.\n" +
			"Read it with report, diff or replay.\n\n" +
			"With -- CMD [ARGS...], record runs CMD instead of a workload, under haktop's preload\n" +
			"shim (--preload LIB.so runs it on that allocator), and samples CMD's counters (see\n" +
			"--counters); CMD's stdout and stderr go to --output (default FILE.out), the footer holds\n" +
			"how CMD ended, and haktop exits with CMD's exit status (128+N for signal N).",
		Example: "  haktop record -o session.jsonl\n" +
			"  haktop record -o mid.jsonl.gz --workload mid_pool --duration 30s --interval 100ms\n" +
			"  haktop record -o - --duration 5s | gzip > s.jsonl.gz\n" +
			"  HAKMEM_POOL_V2_ENABLED=1 haktop record -o v2.jsonl --workload mid_pool --cycles 0   # until Ctrl-C\n" +
			"  haktop record -o jm.jsonl --preload /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 -- ./bench 1000000",
		Args: commandArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out is required: give the session file to write, e.g. -o session.jsonl (a .gz name compresses), or - for stdout")
			}
			if interval < sampler.MinInterval {
				return usagef("--interval %v is not valid: want a duration of at least %v, like 100ms or 1s", interval, sampler.MinInterval)
			}
			if len(args) > 0 {
				if err := cf.onlyFor(cmd, wf.fs, hooks); err != nil {
					return err
				}
				serve, release, err := listenCommand(cmd.Flags(), a)
				if err != nil {
					return err
				}
				defer release()
				ctx, stop := signal.NotifyContext(cmd.Context(), stopSignals()...)
				defer stop()
				return a.recordCommand(ctx, args, cf, out, force, interval, serve)
			}
			if err := cf.notWithout(cmd); err != nil {
				return err
			}
			spec, err := wf.spec()
			if err != nil {
				return err
			}
			cfg, _, err := a.allocatorConfig()
			if err != nil {
				return err
			}
			for _, h := range hooks {
				if h.Release != nil {
					defer h.Release()
				}
				if h.Check != nil {
					if err := h.Check(); err != nil {
						return err
					}
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), stopSignals()...)
			defer stop()
			return a.record(ctx, spec, cfg, out, force, interval, hooks)
		},
	}
	wf.register(cmd.Flags())
	cmd.Flags().StringVarP(&out, "out", "o", "", "session file to write (required), never over an existing one without --force; a name ending in .gz is gzip-compressed; - writes to stdout")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the -o file if it exists")
	cmd.Flags().DurationVar(&interval, "interval", sampler.DefaultInterval, fmt.Sprintf("time between samples, at least %v", sampler.MinInterval))
	for _, mk := range recordHooks {
		hooks = append(hooks, mk(cmd.Flags()))
	}
	cf.register(cmd.Flags())
	return cmd
}

// record runs one session and prints where it went. A signal (ctx done)
// ends the workload early; the session is still completed and it is not an
// error.
func (a *app) record(ctx context.Context, spec workload.Spec, cfg embedded.Config, out string, force bool, interval time.Duration, hooks []recordHook) error {
	al, err := embedded.New(cfg, nil)
	if err != nil {
		return err
	}
	defer al.Close()
	f, err := a.openSession(out, force)
	if err != nil {
		return err
	}
	rec, err := sampler.NewRecorder(out, f, out != "-" && strings.HasSuffix(out, ".gz"), sampler.NewHeader(spec, cfg.Schema(), interval))
	if err != nil {
		return err
	}
	s := &recordSession{app: a, Spec: spec, Alloc: al, Recorder: rec}
	var writeErr error
	var run *workload.Run
	s.Sampler, err = sampler.New(cfg.Schema(), al.Source(), func() int64 { return run.Cycles() }, sampler.Options{Interval: interval, InProcess: true})
	s.Started = time.Now()
	if err != nil {
		rec.Close(sampler.Footer{Reason: "error"})
		return &usageError{err}
	}
	s.Sampler.AddSink(func(x sampler.Sample) {
		if err := rec.Record(x); err != nil && writeErr == nil {
			writeErr = err
		}
	})
	run, err = al.Start(ctx, spec)
	if err != nil {
		rec.Close(sampler.Footer{Reason: "error"})
		return specError(err)
	}
	s.Run = run
	sctx, stopSampling := context.WithCancel(ctx)
	sampling := make(chan struct{})
	go func() { s.Sampler.Run(sctx); close(sampling) }()

	var hookErr error
	for _, h := range hooks {
		if h.Start != nil && hookErr == nil {
			if hookErr = h.Start(ctx, s); hookErr != nil {
				run.Stop()
			}
		}
	}
	res := run.Wait()
	stopSampling()
	<-sampling
	final := s.Sampler.SampleNow() // every heap has flushed: exact totals
	for _, h := range hooks {
		if h.Stop != nil {
			if err := h.Stop(s); err != nil && hookErr == nil {
				hookErr = err
			}
		}
	}
	reason := "done"
	switch {
	case ctx.Err() != nil:
		reason = "interrupted"
	case res.Err != nil || hookErr != nil || writeErr != nil:
		reason = "error"
	}
	closeErr := rec.Close(sampler.Footer{Reason: reason, Drops: s.Sampler.Drops()})
	if err := errors.Join(writeErr, closeErr, res.Err, hookErr); err != nil {
		return err
	}
	// With -o - the session is stdout, so the summary goes to stderr.
	summary, where := a.stdout, out
	if out == "-" {
		summary, where = a.stderr, "stdout"
	}
	fmt.Fprintf(summary, "recorded %d samples of %s over %s to %s (%d records; %s)\n",
		final.Seq+1, spec.Name, final.Elapsed.Round(time.Millisecond), where, rec.Records(), reason)
	return nil
}

// openSession opens record's -o target: stdout for "-", else a new file,
// or an existing one truncated only with force. An existing file without
// force is a usage error, and nothing is written to it.
func (a *app) openSession(out string, force bool) (io.WriteCloser, error) {
	if out == "-" {
		return nopCloser{a.stdout}, nil
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(out, flags, 0o666) // as os.Create
	if errors.Is(err, fs.ErrExist) {
		return nil, usagef("-o %s: the file exists: give --force to overwrite it, or another name", out)
	}
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	return f, nil
}

// nopCloser lets the Recorder close stdout's writer without closing stdout.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
