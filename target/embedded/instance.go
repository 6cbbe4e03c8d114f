package embedded

// Config and Instance: the embedded allocator's gate values and a running
// allocator built from them, for the packages above that build, restart
// and read it (live, cmd/haktop) without importing allocator. They add no
// rule of their own: parsing, the accepted forms and every message are the
// gate registry's (allocator.Gates), counters are read through Snapshot.

import (
	"context"
	"io"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// Config is the embedded allocator's configuration: every gate's value and
// where it came from. The zero Config is DefaultConfig.
type Config struct{ c allocator.Config }

// DefaultConfig is every gate at its default.
func DefaultConfig() Config { return Config{allocator.DefaultConfig()} }

// ConfigFrom returns the Config lookup selects (os.LookupEnv, say), or the
// registry's error naming the bad variable, its value and accepted forms.
func ConfigFrom(lookup func(string) (string, bool)) (Config, error) {
	c, err := allocator.ConfigFrom(lookup)
	return Config{c}, err
}

// FromAllocator is c as a Config, for tests that configure the allocator
// itself.
func FromAllocator(c allocator.Config) Config { return Config{c} }

// Allocator is c as the allocator's own Config, for tests of the
// allocator itself.
func (c Config) Allocator() allocator.Config { return c.c }

// Value returns the canonical text of the gate named env ("" for none).
func (c Config) Value(env string) string {
	v, _ := c.c.Value(env)
	return v
}

// Set sets the gate named env to value as code would (source "code"), or
// returns the registry's error naming the accepted forms.
func (c *Config) Set(env, value string) error { return c.c.Set(env, value) }

// Schema is the allocator's schema under c (Schema).
func (c Config) Schema() target.Schema { return Schema(c.c) }

// Gates is every gate with its value under c (Gates).
func (c Config) Gates() []target.Gate { return Gates(c.c) }

// UnknownGate is an environment variable in the gates' namespace that no
// gate declares (misspelt, lower case, retired): the allocator ignores it.
type UnknownGate struct{ u allocator.UnknownGate }

// UnknownGates returns, in environ's order (NAME=VALUE entries), every
// variable that looks like a gate but is none.
func UnknownGates(environ []string) []UnknownGate {
	var out []UnknownGate
	for _, u := range allocator.UnknownGates(environ) {
		out = append(out, UnknownGate{u})
	}
	return out
}

// String names the variable and the gate it likely meant.
func (u UnknownGate) String() string { return u.u.String() }

// Short is String for a status line.
func (u UnknownGate) Short() string { return u.u.Short() }

// Instance is a running embedded allocator.
type Instance struct{ a *allocator.Allocator }

// New returns an allocator built from cfg. Its HAKMEM_POOL_V2_STATS dump,
// when that gate is on, goes to stats at Close (os.Stderr when nil).
func New(cfg Config, stats io.Writer) (*Instance, error) {
	a, err := allocator.New(cfg.c)
	if err != nil {
		return nil, err
	}
	if stats != nil {
		a.SetStatsOutput(stats)
	}
	return &Instance{a}, nil
}

// Config is the configuration the allocator was built with.
func (in *Instance) Config() Config { return Config{in.a.Config()} }

// Schema is the allocator's schema under its configuration.
func (in *Instance) Schema() target.Schema { return Schema(in.a.Config()) }

// Source is the sampler's Source for the allocator (Source).
func (in *Instance) Source() func() target.Snapshot { return Source(in.a) }

// Snapshot reads the allocator's counters now, all heaps together (Proc
// and Ops 0).
func (in *Instance) Snapshot() target.Snapshot {
	s := in.a.Snapshot()
	return Of(&s)
}

// HeapSnapshot reads the counters of heap id alone (a worker's, by
// workload.Run.HeapID); zeros and false when there is no such heap.
func (in *Instance) HeapSnapshot(id int) (target.Snapshot, bool) {
	s, ok := in.a.HeapSnapshot(id)
	return Of(&s), ok
}

// Start starts spec's workers on the allocator (workload.Start).
func (in *Instance) Start(ctx context.Context, spec workload.Spec) (*workload.Run, error) {
	return workload.Start(ctx, in.a, spec)
}

// Close returns the allocator's memory and writes its stats dump, if any.
func (in *Instance) Close() error { return in.a.Close() }
