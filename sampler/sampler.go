package sampler

// Sampler owns the sampling clock, the history ring and the subscriber
// list for one target, described by its Schema. One mutex serialises taking
// a sample, so Run's ticks, SampleNow and Restart may be called from any
// goroutine; the workload never touches it (the Source only reads the
// target's published counters and an ops counter the workload publishes),
// and subscribers get samples by non-blocking send, so no consumer can slow
// the workload or the sampler.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haktop/haktop/target"
)

// Sampling limits and defaults.
const (
	DefaultInterval = 250 * time.Millisecond
	MinInterval     = 10 * time.Millisecond
	DefaultHistory  = 512
)

// Options configure a Sampler. The zero value means the defaults.
type Options struct {
	Interval time.Duration // between ticks of Run; 0 means DefaultInterval, below MinInterval is an error
	History  int           // samples the history ring keeps; 0 means DefaultHistory
	// InProcess says the target runs in this process (the embedded
	// allocator): the sampler then reads this process's figures (RSS, GC
	// count and last pause, Go heap in use) into every sample's Snap.Proc,
	// in place of the Source's. Otherwise Snap.Proc is the Source's own (a
	// target in another process reads that process's figures).
	InProcess bool
}

// Source returns the target's counters now, shaped by the sampler's
// Schema (target.Schema.NewSnapshot), e.g. embedded.Source(a). It returns a
// new snapshot every call: samples keep it. Snap.Ops is overwritten when the
// sampler has an ops function.
type Source func() target.Snapshot

// Sampler turns a Source into a series of Samples.
type Sampler struct {
	interval time.Duration
	drops    atomic.Uint64

	mu         sync.Mutex
	schema     target.Schema
	src        Source
	ops        func() int64     // nil: the Source's Snap.Ops stands
	now        func() time.Time // time.Now; tests replace it
	start      time.Time
	seq        int
	epoch      int
	epochStart time.Duration
	prev       Sample
	ring       []Sample // ring[next] is the oldest once full
	next       int
	full       bool
	proc       *procReader // nil unless Options.InProcess
	subs       map[int]chan Sample
	subID      int
	sinks      map[int]func(Sample)
	sinkOrder  []int
}

// New returns a Sampler over src, a target described by schema, whose
// elapsed time starts now. ops returns the workload's operations so far
// (e.g. workload.Run.Cycles) into each Snap.Ops; nil leaves the Source's.
// It returns an error naming the bad option and the accepted values.
func New(schema target.Schema, src Source, ops func() int64, opts Options) (*Sampler, error) {
	if src == nil {
		return nil, fmt.Errorf("sampler: nil Source")
	}
	switch {
	case opts.Interval == 0:
		opts.Interval = DefaultInterval
	case opts.Interval < MinInterval:
		return nil, fmt.Errorf("sampler: interval %v is not valid: want %v or more", opts.Interval, MinInterval)
	}
	switch {
	case opts.History == 0:
		opts.History = DefaultHistory
	case opts.History < 0:
		return nil, fmt.Errorf("sampler: history %d is not valid: want a positive number of samples", opts.History)
	}
	s := &Sampler{
		interval: opts.Interval,
		schema:   schema,
		src:      src,
		ops:      ops,
		now:      time.Now,
		ring:     make([]Sample, opts.History),
		subs:     make(map[int]chan Sample),
		sinks:    make(map[int]func(Sample)),
	}
	if opts.InProcess {
		s.proc = newProcReader()
	}
	s.start = s.now()
	return s, nil
}

// Schema returns the schema of the target sampled now (Restart changes it).
func (s *Sampler) Schema() target.Schema {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.schema
}

// Interval returns the time between Run's ticks.
func (s *Sampler) Interval() time.Duration { return s.interval }

// Run takes a sample every interval until ctx is done. It takes no sample
// on return: call SampleNow after the workload has flushed for exact totals.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.SampleNow()
		}
	}
}

// SampleNow takes one sample, adds it to the history, hands it to every sink
// and subscriber, and returns it.
func (s *Sampler) SampleNow() Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Counters first, then the clock: a sample never claims more time than
	// its counters saw.
	smp := Sample{
		Seq:        s.seq,
		Epoch:      s.epoch,
		EpochStart: s.epochStart,
		Snap:       s.read(),
	}
	smp.Elapsed = s.now().Sub(s.start)
	// s.prev is the zero Sample before the first sample: the baseline is
	// then zero counters at the start, as it is after a Restart.
	smp.Rates = RatesBetween(&s.schema, s.prev, smp)
	s.seq++
	s.prev = smp
	s.ring[s.next] = smp
	s.next++
	if s.next == len(s.ring) {
		s.next, s.full = 0, true
	}
	for _, id := range s.sinkOrder {
		s.sinks[id](smp)
	}
	for _, ch := range s.subs {
		select {
		case ch <- smp:
		default:
			s.drops.Add(1)
		}
	}
	return smp
}

// read returns the Source's snapshot with the sampler's ops and, in
// process, this process's figures. s.mu is held.
func (s *Sampler) read() target.Snapshot {
	snap := s.src()
	if s.ops != nil {
		snap.Ops = s.ops()
	}
	if s.proc != nil {
		snap.Proc = s.proc.read()
	}
	return snap
}

// Restart switches the sampler to a new counter source whose counters and
// ops start from zero, e.g. a new Allocator built with a toggled gate, and
// to its schema (its gates' new values). It returns the new epoch and the
// elapsed time it starts at; samples from now on carry both, so their rates
// are measured from zero at the restart. Take a SampleNow first, once the
// old workload has flushed, so the old epoch's last sample holds its exact
// totals.
func (s *Sampler) Restart(schema target.Schema, src Source, ops func() int64) (epoch int, at time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schema, s.src, s.ops = schema, src, ops
	s.epoch++
	s.epochStart = s.now().Sub(s.start)
	return s.epoch, s.epochStart
}

// Subscribe returns a channel that receives every sample taken from now on,
// and a function that unsubscribes and closes the channel. When the
// channel's buffer (buf, at least 1) is full the sample is dropped for that
// subscriber and counted in Drops: the sampler never waits.
func (s *Sampler) Subscribe(buf int) (<-chan Sample, func()) {
	if buf < 1 {
		buf = 1
	}
	ch := make(chan Sample, buf)
	s.mu.Lock()
	id := s.subID
	s.subID++
	s.subs[id] = ch
	s.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, id)
			s.mu.Unlock()
			close(ch)
		})
	}
}

// AddSink registers fn to be called with every sample taken from now on,
// synchronously and in registration order, before subscribers are served.
// Unlike a subscriber a sink never misses a sample, and a slow sink delays
// only the sampler, never the workload: use it for recording. A sink runs
// under the sampler's lock, so it must not call the Sampler. It returns a
// function that removes the sink.
func (s *Sampler) AddSink(fn func(Sample)) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addSinkLocked(fn)
}

// addSinkLocked registers fn; s.mu is held.
func (s *Sampler) addSinkLocked(fn func(Sample)) (remove func()) {
	id := s.subID
	s.subID++
	s.sinks[id] = fn
	s.sinkOrder = append(s.sinkOrder, id)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.sinks[id]; !ok {
			return
		}
		delete(s.sinks, id)
		for i, v := range s.sinkOrder {
			if v == id {
				s.sinkOrder = append(s.sinkOrder[:i:i], s.sinkOrder[i+1:]...)
				break
			}
		}
	}
}

// AddRecorder starts rec's recording now: under one hold of the lock it
// reads the counters as they stand (the baseline) and registers a sink
// that hands rec every later sample, so nothing is lost or counted twice
// between the two. rec then writes samples and events relative to the
// baseline: its clock, counters, ops, seq and epochs start at zero, as if
// the session had begun at this call. onErr, when not nil, gets each
// write error. It returns a function that removes the sink.
func (s *Sampler) AddRecorder(rec *Recorder, onErr func(error)) (remove func()) {
	s.mu.Lock()
	base := Sample{
		Seq:        s.seq - 1, // the last sample taken before the recording
		Epoch:      s.epoch,
		EpochStart: s.epochStart,
		Snap:       s.read(),
	}
	base.Elapsed = s.now().Sub(s.start)
	rec.startAt(base)
	defer s.mu.Unlock()
	return s.addSinkLocked(func(smp Sample) {
		if err := rec.Record(smp); err != nil && onErr != nil {
			onErr(err)
		}
	})
}

// Drops returns how many samples subscribers have missed because their
// buffers were full.
func (s *Sampler) Drops() uint64 { return s.drops.Load() }

// History returns the samples the ring still holds, oldest first.
func (s *Sampler) History() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.full {
		return append([]Sample(nil), s.ring[:s.next]...)
	}
	out := make([]Sample, 0, len(s.ring))
	out = append(out, s.ring[s.next:]...)
	return append(out, s.ring[:s.next]...)
}
