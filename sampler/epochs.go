package sampler

// Epochs: a recording cut at its allocator restarts, the one place that
// says, for every counter epoch, which gates were in force, which workload
// ran, which sample holds its final counters and whether it ended.
// Verdicts, counter profiles, replays and workload segments all read a
// recording's epochs from here.

import (
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// Epoch is one counter epoch of a recording that has samples.
type Epoch struct {
	Number int           // the samples' Epoch
	Gates  []target.Gate // in force: the header's, then each restart's since
	// Workload is what ran. Known is false when a restart into the epoch
	// did not record its workload (recordings from before restarts carried
	// one): it may have changed there unseen.
	Workload workload.Spec
	Known    bool
	Samples  []Sample // the epoch's samples, in order (part of Recording.Samples)
	First    int      // the index of Samples[0] in Recording.Samples
	// Ended is true when a later epoch or the footer followed: the
	// epoch's counters are final.
	Ended bool
}

// Last returns the epoch's last sample, whose counters are the epoch's totals.
func (e Epoch) Last() Sample { return e.Samples[len(e.Samples)-1] }

// Covered returns the time the epoch's counters cover: from its start to its last sample.
func (e Epoch) Covered() time.Duration {
	last := e.Last()
	return last.Elapsed - last.EpochStart
}

// Epochs returns rec's epochs that have samples, in order. A restart
// event between two of them (also one into an epoch without samples)
// sets the gates and workload from then on.
func (r *Recording) Epochs() []Epoch {
	restarts := map[int]Event{}
	for _, e := range r.Events {
		if e.Kind == EventRestart {
			restarts[e.Epoch] = e
		}
	}
	var out []Epoch
	gates, spec, known, epoch := r.Header.Gates, r.Header.Workload, true, -1
	for i, s := range r.Samples {
		if s.Epoch != epoch {
			for n := epoch + 1; epoch >= 0 && n <= s.Epoch; n++ {
				e, ok := restarts[n]
				if !ok {
					continue
				}
				if e.Gates != nil {
					gates = e.Gates
				}
				if e.Workload != nil {
					spec, known = *e.Workload, true
				} else {
					spec, known = legacyRestart(spec, known, e.Message)
				}
			}
			epoch = s.Epoch
			out = append(out, Epoch{Number: s.Epoch, Gates: gates, Workload: spec, Known: known, First: i})
		}
		ep := &out[len(out)-1]
		ep.Samples = r.Samples[ep.First : i+1]
	}
	for i := range out {
		out[i].Ended = i < len(out)-1 || r.Footer != nil
	}
	return out
}
