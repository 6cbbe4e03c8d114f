package main

// The flags every workload-driving command shares (bench, record, gates,
// ab, the TUI), and the allocator Config from the environment. A command
// embeds workloadFlags, calls register on its FlagSet, and spec() in RunE;
// the errors both return are usage errors (exit 2) naming the input.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/workload"
)

// workloadFlags holds the shared workload flags. Unset flags take the
// workload's own defaults (workload.DefaultSpec), so the zero defaults
// shown here mean "per workload".
type workloadFlags struct {
	fs               *pflag.FlagSet
	name             string
	workers          int
	cycles           int64
	duration         time.Duration
	ws               int
	seed             uint32
	size             int
	minSize, maxSize int
}

// register adds the workload flags to fs.
func (f *workloadFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	d := workload.DefaultSpec(workload.RandomMixed)
	fs.StringVar(&f.name, "workload", workload.RandomMixed, "workload: "+strings.Join(workload.Names(), ", "))
	fs.IntVar(&f.workers, "workers", 0, "worker goroutines, each with its own heap (default 1; larson 2)")
	fs.Int64Var(&f.cycles, "cycles", 0, fmt.Sprintf("total allocator calls across workers; 0 runs until Ctrl-C (default %d; mid_pool %d, large %d)",
		d.Cycles, workload.DefaultSpec(workload.MidPool).Cycles, workload.DefaultSpec(workload.Large).Cycles))
	fs.DurationVar(&f.duration, "duration", 0, "run for this long instead of --cycles, e.g. 30s")
	fs.IntVar(&f.ws, "ws", 0, fmt.Sprintf("working-set slots per worker (default %d; mid_pool %d, large %d); larson: blocks per handed-over batch (default %d)",
		d.WS, workload.DefaultSpec(workload.MidPool).WS, workload.DefaultSpec(workload.Large).WS, workload.DefaultSpec(workload.Larson).WS))
	fs.Uint32Var(&f.seed, "seed", 0, fmt.Sprintf("xorshift32 seed; worker i uses seed+i (default %d)", workload.DefaultSeed))
	fs.IntVar(&f.size, "size", 0, fmt.Sprintf("tiny_hot block size in bytes (default %d)", workload.DefaultSpec(workload.TinyHot).Size))
	fs.IntVar(&f.minSize, "min-size", 0, "random_mixed: raise smaller sizes to this (0: no clamp)")
	fs.IntVar(&f.maxSize, "max-size", 0, "random_mixed: cut larger sizes to this (0: no clamp)")
}

// spec returns the Spec the flags select: the workload's defaults with
// every flag given on the command line applied, validated.
func (f *workloadFlags) spec() (workload.Spec, error) {
	set := func(name string) bool { return f.fs != nil && f.fs.Changed(name) }
	if set("cycles") && set("duration") {
		return workload.Spec{}, usagef("--cycles %d and --duration %v are exclusive: give one of them", f.cycles, f.duration)
	}
	s := workload.DefaultSpec(f.name)
	if set("workers") {
		s.Workers = f.workers
	}
	if set("cycles") {
		s.Cycles = f.cycles
	}
	if set("duration") {
		if f.duration <= 0 {
			return workload.Spec{}, usagef("--duration %v is not valid: want a positive duration like 500ms, 30s or 2m", f.duration)
		}
		s.Duration, s.Cycles = f.duration, 0
	}
	if set("ws") {
		s.WS = f.ws
	}
	if set("seed") {
		s.Seed = f.seed
	}
	if set("size") {
		s.Size = f.size
	}
	if set("min-size") {
		s.MinSize = f.minSize
	}
	if set("max-size") {
		s.MaxSize = f.maxSize
	}
	if err := s.Validate(); err != nil {
		return workload.Spec{}, specError(err)
	}
	return s, nil
}

// specError turns a workload.FieldError into a usage error in flag terms.
func specError(err error) error {
	var fe *workload.FieldError
	if errors.As(err, &fe) {
		return usagef("--%s %s is not valid: want %s", fe.Field, fe.Value, fe.Want)
	}
	return &usageError{err}
}

// allocatorConfig returns the allocator Config the environment selects
// (HAKMEM_*); a malformed value is a usage error naming the variable, the
// value and the accepted forms. Every HAKMEM_* variable no gate declares
// (misspelt, lower case, retired) is a warning on stderr, written before
// any screen starts, and returned for the screen to show; --strict-gates
// makes them a usage error instead.
func (a *app) allocatorConfig() (allocator.Config, []allocator.UnknownGate, error) {
	unknown := allocator.UnknownGates(a.environ())
	if a.strictGates && len(unknown) > 0 {
		msgs := make([]string, len(unknown))
		for i, u := range unknown {
			msgs[i] = u.String()
		}
		return allocator.Config{}, nil, usagef("%s (--strict-gates)", strings.Join(msgs, "; "))
	}
	for _, u := range unknown {
		fmt.Fprintf(a.stderr, "haktop: warning: %s (ignored; --strict-gates refuses it)\n", u)
	}
	cfg, err := allocator.ConfigFrom(a.lookupEnv)
	if err != nil {
		return allocator.Config{}, nil, &usageError{err}
	}
	return cfg, unknown, nil
}
