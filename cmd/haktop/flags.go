package main

// The flags every workload-driving command shares (bench, record, gates,
// ab, the TUI), and the allocator Config from the environment. A command
// embeds workloadFlags, calls register on its FlagSet, and spec() in RunE;
// the errors both return are usage errors (exit 2) naming the input.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/haktop/haktop/target/embedded"
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

// register adds the workload flags to fs. The help of a flag that only
// some workloads read names them (workload.Users) and shows the default
// partialFlags accepts for every workload.
func (f *workloadFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	d := workload.DefaultSpec(workload.RandomMixed)
	def := func(name string) int64 { return partialFlag(f, name).def }
	fs.StringVar(&f.name, "workload", workload.RandomMixed, "workload: "+strings.Join(workload.Names(), ", "))
	fs.IntVar(&f.workers, "workers", 0, "worker goroutines, each with its own heap (default 1; larson 2)")
	fs.Int64Var(&f.cycles, "cycles", 0, fmt.Sprintf("total allocator calls across workers; 0 runs until Ctrl-C (default %d; mid_pool %d, large %d)",
		d.Cycles, workload.DefaultSpec(workload.MidPool).Cycles, workload.DefaultSpec(workload.Large).Cycles))
	fs.DurationVar(&f.duration, "duration", 0, "run for this long instead of --cycles, e.g. 30s")
	fs.IntVar(&f.ws, "ws", 0, fmt.Sprintf("working-set slots per worker (larson: blocks per handed-over batch); %s (default %d; mid_pool %d, larson %d, large %d)",
		usedBy("ws"), def("ws"), workload.DefaultSpec(workload.MidPool).WS, workload.DefaultSpec(workload.Larson).WS, workload.DefaultSpec(workload.Large).WS))
	fs.Uint32Var(&f.seed, "seed", 0, fmt.Sprintf("xorshift32 seed; worker i uses seed+i; %s (default %d)", usedBy("seed"), def("seed")))
	fs.IntVar(&f.size, "size", 0, fmt.Sprintf("tiny_hot block size in bytes; %s (default %d)", usedBy("size"), def("size")))
	fs.IntVar(&f.minSize, "min-size", 0, "raise smaller sizes to this (0: no clamp); "+usedBy("min-size"))
	fs.IntVar(&f.maxSize, "max-size", 0, "cut larger sizes to this (0: no clamp); "+usedBy("max-size"))
}

// usedBy says in help which workloads read the flag name.
func usedBy(name string) string {
	u := workload.Users(name)
	if len(u) == 1 {
		return "only " + u[0]
	}
	return "used by " + strings.Join(u, ", ")
}

// partial is a workload flag that only some workloads read.
type partial struct {
	given int64 // the value on the command line
	def   int64 // the default its help shows: the first reader's default
	zero  bool  // 0 also leaves the field unset
}

// partialFlag returns what f holds for the partial flag name.
func partialFlag(f *workloadFlags, name string) partial {
	first := workload.DefaultSpec(workload.Users(name)[0])
	switch name {
	case "ws":
		return partial{int64(f.ws), int64(first.WS), true}
	case "seed":
		return partial{int64(f.seed), int64(first.Seed), false}
	case "size":
		return partial{int64(f.size), int64(first.Size), true}
	case "min-size":
		return partial{int64(f.minSize), int64(first.MinSize), true}
	case "max-size":
		return partial{int64(f.maxSize), int64(first.MaxSize), true}
	}
	panic("flags: no partial flag " + name)
}

// partialFlags lists the flags partialFlag knows.
var partialFlags = []string{"ws", "seed", "size", "min-size", "max-size"}

// spec returns the Spec the flags select: the workload's defaults with
// every flag given on the command line applied, validated. A flag the
// workload does not read is accepted, and changes nothing, at the default
// its help shows (so `--size 64` runs random_mixed); any other value of it
// is refused, naming the workloads that read it.
func (f *workloadFlags) spec() (workload.Spec, error) {
	ignored := map[string]bool{}
	set := func(name string) bool { return f.fs != nil && f.fs.Changed(name) && !ignored[name] }
	if set("cycles") && set("duration") {
		return workload.Spec{}, usagef("--cycles %d and --duration %v are exclusive: give one of them", f.cycles, f.duration)
	}
	for _, name := range partialFlags {
		if !set(name) || workload.Uses(f.name, name) || !slices.Contains(workload.Names(), f.name) {
			continue
		}
		p := partialFlag(f, name)
		if p.given == p.def || p.zero && p.given == 0 {
			ignored[name] = true
			continue
		}
		want := fmt.Sprintf("%d (its default)", p.def)
		if p.zero && p.def != 0 {
			want += " or 0"
		}
		why := f.name + " does not use --" + name
		if u := workload.Users(name); len(u) == 1 {
			why = "only " + u[0] + " uses --" + name
		}
		return workload.Spec{}, usagef("--%s %d is not valid: want %s: %s", name, p.given, want, why)
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
func (a *app) allocatorConfig() (embedded.Config, []embedded.UnknownGate, error) {
	unknown := embedded.UnknownGates(a.environ())
	if a.strictGates && len(unknown) > 0 {
		msgs := make([]string, len(unknown))
		for i, u := range unknown {
			msgs[i] = u.String()
		}
		return embedded.Config{}, nil, usagef("%s (--strict-gates)", strings.Join(msgs, "; "))
	}
	for _, u := range unknown {
		fmt.Fprintf(a.stderr, "haktop: warning: %s (ignored; --strict-gates refuses it)\n", u)
	}
	cfg, err := embedded.ConfigFrom(a.lookupEnv)
	if err != nil {
		return embedded.Config{}, nil, &usageError{err}
	}
	return cfg, unknown, nil
}
