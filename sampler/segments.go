package sampler

// Segments split a recording where its workload changed (the live view's
// w, + and - restart the allocator on another workload or worker count):
// each segment is one workload with its own summary, so no total adds up
// classes of different workloads. Gate toggles restart the counters too,
// but keep the workload: they stay within a segment.

import (
	"fmt"
	"strings"
	"time"

	"github.com/haktop/haktop/workload"
)

// Segment is a run of consecutive counter epochs under one workload.
type Segment struct {
	Workload workload.Spec
	// Known is false when a restart into the segment did not record its
	// workload (recordings from before restarts carried one): the
	// workload may have changed there unseen.
	Known      bool
	FirstEpoch int
	LastEpoch  int
	Start      time.Duration // elapsed time at the first epoch's start
	End        time.Duration // elapsed time of the last sample
	Samples    []Sample
	Summary    Summary // of Samples alone
}

// SegmentsOf returns rec's segments in order; a recording without samples
// has none.
func SegmentsOf(rec *Recording) []Segment {
	var out []Segment
	for _, ep := range rec.Epochs() {
		if n := len(out); n == 0 || out[n-1].Workload != ep.Workload {
			out = append(out, Segment{Workload: ep.Workload, Known: ep.Known, FirstEpoch: ep.Number, Start: ep.Samples[0].EpochStart})
		}
		seg := &out[len(out)-1]
		seg.Known = seg.Known && ep.Known
		seg.LastEpoch, seg.End = ep.Number, ep.Last().Elapsed
		seg.Samples = append(seg.Samples, ep.Samples...)
	}
	for i := range out {
		out[i].Summary = Summarize(&rec.Header.Schema, out[i].Samples, rec.Header.Interval)
	}
	return out
}

// legacyRestart returns the workload after a restart event that does not
// record it (written before restart events carried one), from its
// message as the live view wrote it then: "HAKMEM_X a -> b" kept the
// workload, "workers a -> b" changed only the worker count, and anything
// else (e.g. "workload a -> b") leaves the new workload unknown.
func legacyRestart(spec workload.Spec, known bool, msg string) (workload.Spec, bool) {
	var from, to int
	switch {
	case strings.HasPrefix(msg, "HAKMEM_"):
		return spec, known
	case strings.HasPrefix(msg, "workers "):
		if n, err := fmt.Sscanf(msg, "workers %d -> %d", &from, &to); n == 2 && err == nil && from == spec.Workers {
			spec.Workers = to
			return spec, known
		}
	}
	spec.Name = "unknown"
	return spec, false
}
