package live

// Reading: a session's cumulative counters at its latest sample, shaped by
// the target's Schema, with the gates' verdicts. It is what an exporter
// (package expose's /metrics) publishes; ReadingOf is the one place that
// turns a sampler Sample of the embedded allocator into one, for the live
// Engine and for `haktop record`'s session alike.

import (
	"slices"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// Reading is one consistent reading of a session's target.
type Reading struct {
	Schema   target.Schema
	Snap     target.Snapshot       // cumulative within the epoch
	Verdicts []profile.GateVerdict // every gate's verdict, by profile's rule, in Schema.Gates order
	// Epoch counts restarts of the target (a gate toggle, a workload
	// switch): every counter starts again from 0 at EpochStart.
	Epoch      int
	EpochStart time.Time
	Workload   string // the workload's name, e.g. "random_mixed"; "" for a command
	Command    string // the command observed, for an external target; ""
	// Workers holds each worker's own counters (Schema's shape), only when
	// asked for; nil otherwise.
	Workers []target.Snapshot
}

// ReadingInput is what ReadingOf builds a Reading from.
type ReadingInput struct {
	Sample  sampler.Sample
	Config  embedded.Config // the allocator's configuration (its gates)
	Spec    workload.Spec
	Started time.Time // wall clock when the sampler started (Sample.Elapsed 0)
	Ended   bool      // the epoch's run has finished: its zeros are final
	Samples []int64   // CPU samples per path in the epoch, in the schema's path order (Attribution.PathSamples); nil without a profile
}

// ReadingOf returns the Reading of in's sample: the embedded allocator's
// schema under in.Config, its counters, and the verdicts of profile's rule
// on the sample's hits and in.Samples (CPU samples per path, for a build
// without counters).
func ReadingOf(in ReadingInput) Reading {
	s := in.Sample
	schema := in.Config.Schema()
	r := Reading{
		Schema:     schema,
		Snap:       snapshotOf(&schema, s),
		Epoch:      s.Epoch,
		EpochStart: in.Started.Add(s.EpochStart),
		Workload:   in.Spec.Name,
	}
	r.Verdicts = profile.Verdicts(&schema, profile.Evidence{
		Hits: r.Snap.Paths, Counted: schema.Counted, Samples: cpuSamples(&schema, in.Samples),
		Settled: profile.Settled(in.Ended, s.Elapsed-s.EpochStart),
	})
	return r
}

// cpuSamples returns samples shaped by schema's paths: zeros when there
// are none.
func cpuSamples(schema *target.Schema, samples []int64) []int64 {
	if len(samples) == len(schema.Paths) {
		return samples
	}
	return make([]int64, len(schema.Paths))
}

// snapshotOf returns a copy of s's counters shaped by schema: zeros when
// s has none (before an epoch's first sample).
func snapshotOf(schema *target.Schema, s sampler.Sample) target.Snapshot {
	if schema.Fits(&s.Snap) {
		return s.Snap.Clone()
	}
	snap := schema.NewSnapshot()
	snap.Ops, snap.Heaps, snap.Proc = s.Snap.Ops, s.Snap.Heaps, s.Snap.Proc
	return snap
}

// CounterProfileOf returns the counter profile (profile.CounterProfile, what
// `haktop export` and the e key write) of sample s of an allocator running
// under cfg; started is the sampler's start on the wall clock.
func CounterProfileOf(s sampler.Sample, cfg embedded.Config, started time.Time) *pprofile.Profile {
	schema := cfg.Schema()
	return profile.CounterProfile(&schema, snapshotOf(&schema, s), started.Add(s.EpochStart), s.Elapsed-s.EpochStart)
}

// Reading returns the current epoch's latest reading. Before the epoch's
// first sample its counters are zeros (a new allocator starts at 0).
// workers asks for each worker's own counters too.
func (e *Engine) Reading(workers bool) Reading {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.latest()
	r := ReadingOf(ReadingInput{Sample: s, Config: e.alloc.Config(), Spec: e.spec, Started: e.started,
		Ended: e.run.Ended(), Samples: slices.Clone(e.cpu)})
	if workers {
		r.Workers = WorkerSnapshots(e.alloc, e.run)
	}
	return r
}

// WorkerSnapshots returns each of run's workers' own counters on a (their
// heaps'), shaped by the embedded allocator's schema, in worker order.
func WorkerSnapshots(a *embedded.Instance, run *workload.Run) []target.Snapshot {
	var out []target.Snapshot
	for i := range run.Spec().Workers {
		snap, ok := a.HeapSnapshot(run.HeapID(i))
		if !ok {
			continue
		}
		snap.Ops = run.WorkerCycles(i)
		out = append(out, snap)
	}
	return out
}

// CounterProfile returns the counter profile of the current epoch's
// latest sample, as the e key exports it.
func (e *Engine) CounterProfile() *pprofile.Profile {
	e.mu.Lock()
	defer e.mu.Unlock()
	return CounterProfileOf(e.latest(), e.alloc.Config(), e.started)
}

// latest returns the current epoch's latest sample; before the epoch's
// first one, zero counters at its start. e.mu is held.
func (e *Engine) latest() sampler.Sample {
	if e.last.Epoch == e.epoch && e.last.Elapsed > 0 { // the zero Sample is no sample
		return e.last
	}
	return sampler.Sample{Epoch: e.epoch, Elapsed: e.epochAt, EpochStart: e.epochAt, Snap: layout.NewSnapshot()}
}

// Collector returns the session's CPU profile collector, or nil when
// profiling is off or could not start.
func (e *Engine) Collector() *profile.Collector { return e.coll }
