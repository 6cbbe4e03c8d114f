package live

// Frame: the one value every panel renders from. A Source (the live engine or
// a replayed recording) builds it from sampler and profile data; the models
// never look further down the stack than this file. Owned by live; sources
// fill it, tui's panels only read it.

import (
	"time"

	"github.com/haktop/haktop/profile"
)

// Frame is everything the screen shows at one instant.
type Frame struct {
	// Seq identifies the data (not the Status): sources give a new Seq to
	// each new sample, so the panels re-render only when it changes.
	Seq uint64

	Workload string        // workload name, e.g. "random_mixed"
	Params   string        // workload parameters, short form, e.g. "ws=8192 seed=1"
	Workers  int           // worker goroutines running the workload
	Elapsed  time.Duration // time since the session started (recording time in replay)

	OpsPerSec  float64   // allocs+frees per second over the last interval
	OpsHistory []float64 // recent OpsPerSec values, oldest first, for the header sparkline

	RSS       uint64        // resident set size of the process, bytes
	HeapInUse uint64        // Go heap in use, bytes
	GCCount   uint32        // Go GC cycles so far
	GCPause   time.Duration // last Go GC pause

	Classes []ClassRow // tiny, pool and large rows in class order
	Paths   []PathRow  // every allocator path plus the non-allocator buckets
	Gates   []GateRow  // every gate in registry order

	Status Status
}

// LiveBytes returns the bytes in blocks allocated and not yet freed, every
// class: the sum of the class rows' LiveBytes.
func (f *Frame) LiveBytes() uint64 {
	var n uint64
	for _, r := range f.Classes {
		n += r.LiveBytes
	}
	return n
}

// ClassRow is one size class's rates over the last interval.
type ClassRow struct {
	Class        string  // "C0".."C7", "P0".."P6", "L"
	Size         int     // block size in bytes; the large row's is the smallest request it serves
	SizeLabel    string  // the class's sizes as the screen shows them: "8", "2K", ">64K"
	Tier         string  // "tiny", "pool" or "large"
	AllocPerSec  float64 // alloc_calls per second
	FastRatio    float64 // alloc_fast / alloc_calls over the interval, 0..1; NaN when idle
	RefillPerSec float64
	FallbackPer  float64 // alloc_fallback per second
	FreePerSec   float64
	RemotePerSec float64   // free_remote per second
	LiveBlocks   uint64    // blocks in use: alloc_calls - free_calls so far in the epoch
	LiveBytes    uint64    // bytes in use: LiveBlocks times the class size (large: the allocator's count)
	History      []float64 // recent AllocPerSec values, oldest first
}

// Idle reports whether the class saw no allocs and no frees in the interval.
func (r ClassRow) Idle() bool { return r.AllocPerSec == 0 && r.FreePerSec == 0 }

// PathRow is one code path's share of CPU and its hit rate.
type PathRow struct {
	Key        string          // stable key, e.g. "pool_v2_alloc", or "workload" / "runtime/GC"
	Name       string          // human name
	CPUPercent float64         // share of the profiled CPU, 0..100; NaN when no profile covers it
	HitsPerSec float64         // counter hits per second; NaN for buckets without a counter
	Gate       string          // guarding gates, comma separated, "" when ungated
	Verdict    profile.Verdict // the path's verdict under its gates; "" when ungated
}

// GateRow is one gate's effective value and verdict.
type GateRow struct {
	Env     string
	Value   string
	Source  string          // "default", "profile", "env" or "code"
	Verdict profile.Verdict // n/a for a gate that guards no path, "" before any data
	Paths   []string
	Kind    string // "bool", "int", "mask" or "enum": what the g key can do with it
}

// Status is what the session is doing besides running: recording, paused,
// filtered, replaying, and the outcome of the last command.
type Status struct {
	Recording string // file being recorded to, "" when not recording
	Paused    bool   // the workload is paused and the view frozen
	Worker    int    // per-worker filter: heap id shown, or -1 for all workers
	Profiling bool   // CPU attribution is live (false in replays without profiles)
	Note      string // what the session wants the user to know, e.g. that the run finished
	// Warnings are facts about the session's setup that make its readings
	// mislead, e.g. a HAKMEM_* variable no gate declares; shown all along.
	Warnings []string
	Replay   *ReplayPosition
}

// ReplayPosition says where a replay is in its recording.
type ReplayPosition struct {
	File    string
	Index   int           // sample shown, from 0
	Count   int           // samples in the recording
	At      time.Duration // recording time of the sample shown
	Total   time.Duration // recording time of the last sample
	Speed   int           // 1, 2, 4 or 8
	Playing bool
	Warning string // e.g. the reader's truncated-record warning
	Event   string // the latest event at or before the sample shown, e.g. a gate restart
}
