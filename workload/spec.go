package workload

// Spec is the one description of a run that every caller builds (the CLI
// flags, the TUI, ab children); Validate is the one place its values are
// checked, so every front end reports bad input the same way.

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Workload names.
const (
	RandomMixed = "random_mixed"
	TinyHot     = "tiny_hot"
	MidPool     = "mid_pool"
	Larson      = "larson"
	Large       = "large"
)

// Limits that Validate enforces.
const (
	MaxWorkers   = 1024
	MaxWS        = 1 << 24
	MaxBlockSize = 1 << 30
	MidPoolMin   = 2 << 10  // mid_pool's smallest block
	MidPoolMax   = 64 << 10 // mid_pool's largest block (allocator.MaxPoolSize)
	LargeMin     = MidPoolMax + 1
	LargeMax     = 1 << 20 // large's biggest block
)

// Spec describes one run.
type Spec struct {
	Name     string        // random_mixed | tiny_hot | mid_pool | larson | large
	Workers  int           // >= 1 (larson: >= 2)
	Cycles   int64         // total cycles across workers; 0 means run until Duration or Stop
	Duration time.Duration // 0 means until Cycles (or Stop)
	// WS is the working-set slots per worker for random_mixed, mid_pool and
	// large; for larson it is the number of blocks in each batch a producer
	// hands to its consumer. tiny_hot does not use it.
	WS   int
	Seed uint32 // xorshift32 seed; worker i uses Seed+i
	Size int    // tiny_hot block size (default 64)
	// MinSize and MaxSize clamp random_mixed's sizes when nonzero.
	MinSize, MaxSize int
}

// names lists the workloads in display order.
var names = []string{RandomMixed, TinyHot, MidPool, Larson, Large}

// Names returns the workload names, in display order.
func Names() []string { return append([]string(nil), names...) }

// DefaultSeed is random_mixed.c's default seed.
const DefaultSeed = 1234567

// DefaultSpec returns the defaults for workload name: random_mixed.c's
// cycles, ws and seed for random_mixed, and sizes that keep each other
// workload's footprint to tens of MiB. An unknown name gets random_mixed's
// defaults under that name, which Validate then rejects.
func DefaultSpec(name string) Spec {
	s := Spec{Name: name, Workers: 1, Cycles: 10_000_000, WS: 8192, Seed: DefaultSeed}
	switch name {
	case TinyHot:
		s.WS, s.Size = 0, 64
	case MidPool:
		s.WS, s.Cycles = 512, 2_000_000
	case Larson:
		s.Workers, s.WS = 2, 1024
	case Large:
		s.WS, s.Cycles = 64, 100_000
	}
	return s
}

// FieldError is a Spec value Validate rejects. Field is the flag-style name
// of the field (workload, workers, cycles, duration, ws, seed, size,
// min-size, max-size).
type FieldError struct {
	Field string
	Value string
	Want  string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("workload: %s %s is not valid: want %s", e.Field, e.Value, e.Want)
}

func fieldErr(field string, v any, want string, args ...any) error {
	return &FieldError{Field: field, Value: fmt.Sprint(v), Want: fmt.Sprintf(want, args...)}
}

// users lists, for each Spec field that not every workload reads (by its
// flag-style name), the workloads that read it, in display order. Validate
// and the CLI's flag help both read it.
var users = map[string][]string{
	"ws":       {RandomMixed, MidPool, Larson, Large},
	"seed":     {RandomMixed, MidPool, Larson, Large}, // tiny_hot draws no random numbers
	"size":     {TinyHot},
	"min-size": {RandomMixed},
	"max-size": {RandomMixed},
}

// Users returns the workloads that read the Spec field named field
// (flag-style: ws, seed, size, min-size, max-size), in display order, or
// nil for a field every workload reads.
func Users(field string) []string { return append([]string(nil), users[field]...) }

// Uses reports whether workload name reads the Spec field named field.
func Uses(name, field string) bool {
	u, partial := users[field]
	return !partial || slices.Contains(u, name)
}

// Validate returns nil, or a *FieldError naming the first bad field, its
// value and the accepted forms. Fields a workload does not use must be zero,
// so a flag that would be silently ignored is reported instead.
func (s Spec) Validate() error {
	known := false
	for _, n := range names {
		known = known || n == s.Name
	}
	if !known {
		return fieldErr("workload", fmt.Sprintf("%q", s.Name), "one of %s", strings.Join(names, ", "))
	}
	minWorkers := 1
	if s.Name == Larson {
		minWorkers = 2 // a producer needs a consumer on another heap
	}
	if s.Workers < minWorkers || s.Workers > MaxWorkers {
		if s.Name == Larson {
			return fieldErr("workers", s.Workers, "an integer from 2 to %d (larson hands blocks to a consumer on another worker's heap)", MaxWorkers)
		}
		return fieldErr("workers", s.Workers, "an integer from 1 to %d", MaxWorkers)
	}
	if s.Cycles < 0 {
		return fieldErr("cycles", s.Cycles, "0 (run until stopped or --duration) or a positive integer")
	}
	if s.Duration < 0 {
		return fieldErr("duration", s.Duration, "0 or a positive duration like 30s or 2m")
	}
	if Uses(s.Name, "ws") {
		if s.WS < 1 || s.WS > MaxWS {
			return fieldErr("ws", s.WS, "an integer from 1 to %d", MaxWS)
		}
	} else if s.WS != 0 {
		return fieldErr("ws", s.WS, "0: %s does not use a working set", s.Name)
	}
	if Uses(s.Name, "size") {
		if s.Size < 1 || s.Size > LargeMax {
			return fieldErr("size", s.Size, "a block size from 1 to %d bytes", LargeMax)
		}
	} else if s.Size != 0 {
		return fieldErr("size", s.Size, "0: only tiny_hot uses a fixed size")
	}
	if !Uses(s.Name, "min-size") {
		if s.MinSize != 0 {
			return fieldErr("min-size", s.MinSize, "0: only random_mixed clamps sizes")
		}
		if s.MaxSize != 0 {
			return fieldErr("max-size", s.MaxSize, "0: only random_mixed clamps sizes")
		}
		return nil
	}
	if s.MinSize < 0 || s.MinSize > MaxBlockSize {
		return fieldErr("min-size", s.MinSize, "0 (no clamp) or a size from 1 to %d bytes", MaxBlockSize)
	}
	if s.MaxSize < 0 || s.MaxSize > MaxBlockSize {
		return fieldErr("max-size", s.MaxSize, "0 (no clamp) or a size from 1 to %d bytes", MaxBlockSize)
	}
	if s.MinSize != 0 && s.MaxSize != 0 && s.MinSize > s.MaxSize {
		return fieldErr("max-size", s.MaxSize, "0 or a size >= min-size (%d)", s.MinSize)
	}
	return nil
}

// workerCycles returns worker i's share of total cycles (0: unbounded).
func (s Spec) workerCycles(i int) int64 {
	if s.Cycles == 0 {
		return 0
	}
	n := s.Cycles / int64(s.Workers)
	if int64(i) < s.Cycles%int64(s.Workers) {
		n++
	}
	return n
}
