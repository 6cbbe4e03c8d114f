package main

// The HTTP endpoints (package expose) on the command line: `--listen ADDR`
// on the live view and on record (a record extension, listenHook), and
// `haktop serve`, a headless session that only serves. The flags and their
// address rules are listenFlags'; the listener is opened before anything
// runs, so a bad or busy address is one line and exit 2 with nothing
// written.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	pprofile "github.com/google/pprof/profile"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/haktop/haktop/expose"
	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
)

// listenFlags are --listen, --listen-public and --worker-label.
type listenFlags struct {
	addr        string
	public      bool
	workerLabel bool
}

func (f *listenFlags) register(fs *pflag.FlagSet, def string) {
	usage := "serve Prometheus metrics and pprof profiles over HTTP on ADDR (PORT, :PORT or HOST:PORT; a bare port binds 127.0.0.1): " + strings.Join(expose.Paths, ", ")
	if def == "" {
		usage += " (default: no server)"
	}
	fs.StringVar(&f.addr, "listen", def, usage)
	fs.BoolVar(&f.public, "listen-public", false, "allow a --listen address that is not loopback (the endpoints have no authentication)")
	fs.BoolVar(&f.workerLabel, "worker-label", false, "label the class counters and path hits of /metrics by worker (one series per worker)")
}

// listen opens the listener, or returns nil when --listen is not given. Every
// error is a usage error (exit 2) naming --listen.
func (f *listenFlags) listen() (net.Listener, error) {
	if f.addr == "" {
		return nil, nil
	}
	l, err := expose.Listen(f.addr, f.public)
	if err != nil {
		return nil, usagef("--listen %v", err)
	}
	return l, nil
}

func (f *listenFlags) options() expose.Options { return expose.Options{WorkerLabel: f.workerLabel} }

// servedEngine is a live Engine whose endpoints stop before it closes.
type servedEngine struct {
	*live.Engine
	srv *expose.Server
}

func (s servedEngine) Close() error {
	s.srv.Close()
	return s.Engine.Close()
}

func newServeCommand(a *app) *cobra.Command {
	var (
		wf        workloadFlags
		lf        listenFlags
		interval  time.Duration
		noProfile bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a workload headless and serve its metrics and profiles over HTTP",
		Long: "serve runs a workload like the live view, with no screen, and serves over HTTP:\n" +
			"  /metrics                    Prometheus metrics (per class, path and gate, read at each scrape)\n" +
			"  /debug/pprof/profile?seconds=N  the CPU profile of the next N seconds (pprof)\n" +
			"  /debug/pprof/counters       the counter profile of the current counters (pprof)\n" +
			"It runs until Ctrl-C or SIGTERM, or for --cycles or --duration when given. Only GET and\n" +
			"HEAD are served and nothing changes the session. A bare port binds 127.0.0.1; an address\n" +
			"that is not loopback needs --listen-public.",
		Example: "  haktop serve                                  # 127.0.0.1:9464\n" +
			"  HAKMEM_POOL_V2_ENABLED=1 haktop serve --workload tiny_hot --listen :9465\n" +
			"  haktop serve --listen 0.0.0.0:9464 --listen-public --duration 10m",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := wf.spec()
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("cycles") && !cmd.Flags().Changed("duration") {
				spec.Cycles = 0 // until Ctrl-C or SIGTERM
			}
			if interval < sampler.MinInterval {
				return usagef("--interval %v is not valid: want %v or more", interval, sampler.MinInterval)
			}
			cfg, unknown, err := a.allocatorConfig()
			if err != nil {
				return err
			}
			var warnings []string
			for _, u := range unknown {
				warnings = append(warnings, u.Short())
			}
			l, err := lf.listen()
			if err != nil {
				return err
			}
			eng, err := live.NewEngine(live.EngineConfig{Spec: spec, Alloc: cfg, Interval: interval, Profile: !noProfile, Warnings: warnings, StatsOut: a.stderr})
			if err != nil {
				l.Close()
				return err
			}
			srv := expose.Serve(l, expose.Handler(eng, lf.options()))
			s := servedEngine{eng, srv}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(a.stdout, "serving %s on http://%s (%s); Ctrl-C or SIGTERM stops\n", spec.Name, srv.Addr(), strings.Join(expose.Paths, ", "))
			ended := make(chan struct{})
			go func() { eng.Wait(); close(ended) }()
			reason := "stopped"
			select {
			case <-ctx.Done():
			case <-ended:
				reason = "the run finished"
			}
			r := eng.Reading(false)
			err = s.Close()
			fmt.Fprintf(a.stdout, "%s after %d cycles of %s\n", reason, r.Snap.Ops, spec.Name)
			return err
		},
	}
	wf.register(cmd.Flags())
	cmd.Flags().Lookup("cycles").Usage = "stop after this many allocator calls across workers (default: run until Ctrl-C or SIGTERM)"
	cmd.Flags().Lookup("duration").Usage = "stop after this long, e.g. 10m (default: run until Ctrl-C or SIGTERM)"
	lf.register(cmd.Flags(), expose.DefaultAddr)
	cmd.Flags().DurationVar(&interval, "interval", sampler.DefaultInterval, "sampling interval: how fresh a scrape's counters are")
	cmd.Flags().BoolVar(&noProfile, "no-profile", false, "do not profile the CPU all along (a /debug/pprof/profile request then profiles for its own seconds)")
	return cmd
}

// listenHook is record's --listen: the endpoints over the recorded session.
func listenHook(fs *pflag.FlagSet) recordHook {
	var (
		lf  listenFlags
		l   net.Listener
		srv *expose.Server
	)
	lf.register(fs, "")
	return recordHook{
		Check: func() (err error) {
			l, err = lf.listen()
			return err
		},
		Start: func(ctx context.Context, s *recordSession) error {
			if l == nil {
				return nil
			}
			src := &recordSource{s: s}
			s.Sampler.AddSink(src.sample)
			srv = expose.Serve(l, expose.Handler(src, lf.options()))
			// stdout is the summary's (or, with -o -, the session's)
			fmt.Fprintf(s.app.stderr, "haktop: serving the session on http://%s (%s)\n", srv.Addr(), strings.Join(expose.Paths, ", "))
			return nil
		},
		Stop: func(s *recordSession) error {
			if srv != nil {
				return srv.Close()
			}
			return nil
		},
		Release: func() {
			if srv == nil && l != nil { // the session never started
				l.Close()
			}
		},
	}
}

// recordSource is a recording session as an expose.Source: its latest
// sample, read through live's one conversion.
type recordSource struct {
	s      *recordSession
	mu     sync.Mutex
	latest sampler.Sample
}

func (r *recordSource) sample(x sampler.Sample) {
	r.mu.Lock()
	r.latest = x
	r.mu.Unlock()
}

func (r *recordSource) last() sampler.Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.latest
}

func (r *recordSource) Reading(workers bool) live.Reading {
	s := r.s
	rd := live.ReadingOf(live.ReadingInput{Sample: r.last(), Config: s.Alloc.Config(), Spec: s.Spec, Started: s.Started, Ended: s.Run.Ended()})
	if workers {
		rd.Workers = live.WorkerSnapshots(s.Alloc, s.Run)
	}
	return rd
}

func (r *recordSource) CounterProfile() *pprofile.Profile {
	return live.CounterProfileOf(r.last(), r.s.Alloc.Config(), r.s.Started)
}

func (r *recordSource) Collector() *profile.Collector { return r.s.Collector }

// listenCommand opens record -- CMD's --listen listener, if given, and
// returns the func that serves a command source on it and the one that
// stops it. Errors are usage errors naming --listen.
func listenCommand(fs *pflag.FlagSet, a *app) (serve func(*live.Process), release func(), err error) {
	var lf listenFlags
	lf.addr, _ = fs.GetString("listen")
	lf.public, _ = fs.GetBool("listen-public")
	l, err := lf.listen()
	if err != nil || l == nil {
		return func(*live.Process) {}, func() {}, err
	}
	var srv *expose.Server
	serve = func(src *live.Process) {
		srv = expose.Serve(l, expose.Handler(src, lf.options()))
		fmt.Fprintf(a.stderr, "haktop: serving the command's counters on http://%s (%s)\n", srv.Addr(), expose.MetricsPath)
	}
	release = func() {
		if srv != nil {
			srv.Close()
		} else {
			l.Close()
		}
	}
	return serve, release, nil
}
