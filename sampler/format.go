package sampler

// The wire form of a recording: one JSON object per line, told apart by
// "type". These structs are the only place field names and units are
// chosen (see FORMAT in doc.go); Recorder marshals them and Session
// unmarshals them, so the two cannot disagree. Durations are integer
// nanoseconds and counters plain integers, so every value round-trips
// exactly.

import (
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// Record types, the value of every line's "type".
const (
	typeHeader = "header"
	typeSample = "sample"
	typeEvent  = "event"
	typeFooter = "footer"
)

// typeOnly is decoded first, to dispatch a line on its type.
type typeOnly struct {
	Type string `json:"type"`
}

type wireHeader struct {
	Type          string    `json:"type"`
	Format        string    `json:"format"`
	Version       int       `json:"version"`
	Start         time.Time `json:"start"`
	Haktop        string    `json:"haktop"`
	GoVersion     string    `json:"go"`
	OS            string    `json:"os"`
	Arch          string    `json:"arch"`
	CPUs          int       `json:"cpus"`
	GOMAXPROCS    int       `json:"gomaxprocs"`
	IntervalNS    int64     `json:"interval_ns"`
	StatsCompiled bool      `json:"stats_compiled"`
	Workload      wireSpec  `json:"workload"`
	// Format 2: the target's schema, whose classes, counters and paths
	// name the rows, columns and hits of every sample, and whose gates hold
	// their values at the start.
	Schema *target.Schema `json:"schema,omitempty"`
	// Format 1 only: the gates and the names of the rows, columns and hits.
	Gates    []target.Gate `json:"gates,omitempty"`
	Classes  []string      `json:"classes,omitempty"`
	Counters []string      `json:"counters,omitempty"`
	Paths    []string      `json:"paths,omitempty"`
	// A recorded command (record -- CMD): its command line; the workload is then empty.
	Command []string `json:"command,omitempty"`
}

type wireSpec struct {
	Name       string `json:"name"`
	Workers    int    `json:"workers"`
	Cycles     int64  `json:"cycles"`
	DurationNS int64  `json:"duration_ns"`
	WS         int    `json:"ws"`
	Seed       uint32 `json:"seed"`
	Size       int    `json:"size"`
	MinSize    int    `json:"min_size"`
	MaxSize    int    `json:"max_size"`
}

func toWireSpec(s workload.Spec) wireSpec {
	return wireSpec{s.Name, s.Workers, s.Cycles, int64(s.Duration), s.WS, s.Seed, s.Size, s.MinSize, s.MaxSize}
}

func (w wireSpec) spec() workload.Spec {
	return workload.Spec{Name: w.Name, Workers: w.Workers, Cycles: w.Cycles, Duration: time.Duration(w.DurationNS),
		WS: w.WS, Seed: w.Seed, Size: w.Size, MinSize: w.MinSize, MaxSize: w.MaxSize}
}

type wireSample struct {
	Type         string        `json:"type"`
	Seq          int           `json:"seq"`
	ElapsedNS    int64         `json:"elapsed_ns"`
	Epoch        int           `json:"epoch"`
	EpochStartNS int64         `json:"epoch_start_ns"`
	Ops          int64         `json:"ops"`
	Heaps        int           `json:"heaps"`
	Classes      [][]uint64    `json:"classes"`
	Paths        []uint64      `json:"paths"`
	Invalid      target.Counts `json:"invalid"` // by Schema.Invalid
	Memory       target.Counts `json:"memory"`  // by Schema.Gauges
	Proc         wireProc      `json:"proc"`
}

type wireProc struct {
	RSSBytes    uint64 `json:"rss_bytes"`
	NumGC       uint32 `json:"num_gc"`
	LastPauseNS int64  `json:"last_pause_ns"`
	HeapInUse   uint64 `json:"heap_inuse_bytes"`
	CPUNS       int64  `json:"cpu_ns,omitempty"`  // a target in another process: its CPU time
	Threads     int    `json:"threads,omitempty"` // and its threads
}

func toWireProc(p target.Proc) wireProc {
	return wireProc{RSSBytes: p.RSSBytes, NumGC: p.NumGC, LastPauseNS: int64(p.LastPause), HeapInUse: p.HeapInUse, CPUNS: int64(p.CPU), Threads: p.Threads}
}

func (w wireProc) proc() target.Proc {
	return target.Proc{RSSBytes: w.RSSBytes, NumGC: w.NumGC, LastPause: time.Duration(w.LastPauseNS), HeapInUse: w.HeapInUse, CPU: time.Duration(w.CPUNS), Threads: w.Threads}
}

type wireEvent struct {
	Type      string        `json:"type"`
	ElapsedNS int64         `json:"elapsed_ns"`
	Kind      string        `json:"kind"`
	Epoch     int           `json:"epoch"`
	Message   string        `json:"message,omitempty"`
	Gates     []target.Gate `json:"gates,omitempty"`
	Workload  *wireSpec     `json:"workload,omitempty"` // restarts: the workload from now on
}

type wireFooter struct {
	Type      string        `json:"type"`
	End       time.Time     `json:"end"`
	Reason    string        `json:"reason"`
	ElapsedNS int64         `json:"elapsed_ns"`
	Samples   int           `json:"samples"`
	Events    int           `json:"events"`
	Drops     uint64        `json:"drops"`
	Ops       int64         `json:"ops"`
	Classes   [][]uint64    `json:"classes"`
	Paths     []uint64      `json:"paths"`
	Invalid   target.Counts `json:"invalid"`
	Exit      *Exit         `json:"exit,omitempty"`
}

// rows returns the class x counter matrix m, of n counters per class, as
// a recording's rows; nil m gives rows of zeros.
func rows(m []uint64, classes, n int) [][]uint64 {
	out := make([][]uint64, classes)
	for c := range out {
		row := make([]uint64, n)
		if len(m) == classes*n {
			copy(row, m[c*n:(c+1)*n])
		}
		out[c] = row
	}
	return out
}

// zeroed returns v, or n zeros when v is nil.
func zeroed(v []uint64, n int) []uint64 {
	if len(v) == n && v != nil {
		return v
	}
	return make([]uint64, n)
}

// encodeSample returns s, shaped by sc, as a sample line.
func encodeSample(sc *target.Schema, s Sample) wireSample {
	snap := &s.Snap
	return wireSample{
		Type: typeSample, Seq: s.Seq, ElapsedNS: int64(s.Elapsed), Epoch: s.Epoch, EpochStartNS: int64(s.EpochStart),
		Ops: snap.Ops, Heaps: snap.Heaps, Classes: rows(snap.Counters, len(sc.Classes), len(sc.Counters)),
		Paths: zeroed(snap.Paths, len(sc.Paths)), Invalid: target.CountsOf(sc.Invalid, snap.Invalid), Memory: target.CountsOf(sc.Gauges, snap.Gauges),
		Proc: toWireProc(snap.Proc),
	}
}
