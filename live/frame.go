package live

// Frame: the one value every panel renders from. A Source (the live engine or
// a replayed recording) builds it from sampler and profile data; the models
// never look further down the stack than this file. Owned by live; sources
// fill it, tui's panels only read it.

import (
	"math"
	"time"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target"
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

	// Target names the target of a session that is not the embedded
	// allocator (no Go heap or GC of its own to show); "" for the embedded.
	Target string

	OpsPerSec  float64   // allocs+frees per second over the last interval
	OpsUnit    string    // what OpsPerSec counts, e.g. "alloc/s"; "" for "ops/s", the workload's cycles
	OpsHistory []float64 // recent OpsPerSec values, oldest first, for the header sparkline

	RSS       uint64        // resident set size of the process, bytes
	HeapInUse uint64        // Go heap in use, bytes
	GCCount   uint32        // Go GC cycles so far
	GCPause   time.Duration // last Go GC pause

	// Columns are the classes table's columns of numbers, the ones the
	// target's counters' roles allow (ClassColumns, in that order): a target
	// with no refill counter has no refill column. Live says whether the
	// rows' LiveBlocks and LiveBytes are measured (the target counts calls
	// and frees); without it they are 0 and not shown.
	Columns []ClassColumn
	Live    bool
	Classes []ClassRow // the target's classes, in class order
	Paths   []PathRow  // every allocator path plus the non-allocator buckets
	Gates   []GateRow  // every gate in registry order

	// Process is the program a `haktop run` session watches; nil for
	// sessions of the embedded allocator.
	Process *ProcessInfo

	Status Status
}

// ProcessInfo describes the program (CMD) a `haktop run` session watches.
type ProcessInfo struct {
	Command    string        // CMD and its arguments, as given
	PID        int           // CMD's process id
	CPU        time.Duration // user+system CPU time so far (its total once it ended)
	CPUPercent float64       // CPU time over the last interval, percent of one core; NaN before the second sample
	Target     string        // the counters shown: the allocator's own table, "jemalloc" or "requests"
	// Unmeasured says why CMD's counters are not measured (e.g. a static
	// program the preload shim cannot enter); then the frame has no class
	// rows and only RSS and CPU are shown. "" when they are measured.
	Unmeasured string
	Ended      string // how CMD ended, e.g. "exit 0", "killed by SIGSEGV (core dumped)"; "" while it runs
	Failed     bool   // CMD ended with a non-zero status or a signal
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

// Column returns the index of the column showing role r in f.Columns and
// in every row's Values, or -1 when the frame has none.
func (f *Frame) Column(r target.Role) int {
	for i, c := range f.Columns {
		if c.Role == r {
			return i
		}
	}
	return -1
}

// Value returns class row i's value in the column showing role r, and
// false when the frame has no such column.
func (f *Frame) Value(i int, r target.Role) (float64, bool) {
	if c := f.Column(r); c >= 0 {
		return f.Classes[i].Values[c], true
	}
	return 0, false
}

// ClassColumn is one column of numbers in the classes table: the rate per
// second of the counter with Role, or for RoleFast the fast-hit ratio
// (fast / calls over the interval).
type ClassColumn struct {
	Role  target.Role
	Key   string // the column's sort name, e.g. "alloc"
	Title string // its heading, e.g. "alloc/s"
}

// Ratio reports whether the column holds a ratio from 0 to 1 (NaN when its
// class had no calls or the target does not measure it), not a rate.
func (c ClassColumn) Ratio() bool { return c.Role == target.RoleFast }

// ClassColumns are every column a frame can have, in table order. A frame
// has the ones whose role the target counts (the fast ratio needs calls too).
var ClassColumns = []ClassColumn{
	{target.RoleCalls, "alloc", "alloc/s"},
	{target.RoleFast, "fast", "fast %"},
	{target.RoleRefill, "refill", "refill/s"},
	{target.RoleFallback, "fallback", "fallback/s"},
	{target.RoleFree, "free", "free/s"},
	{target.RoleRemote, "remote", "remote/s"},
}

// ClassRow is one size class's rates over the last interval.
type ClassRow struct {
	Class     string // the class's name, e.g. "C0".."C7", "P0".."P6", "L"
	Size      int    // block size in bytes; an unbounded class's is the smallest request it serves
	SizeLabel string // the class's sizes as the screen shows them: "8", "2K", ">64K"
	Tier      string // e.g. "tiny", "pool" or "large"; "" when the target names none
	// Values are the row's numbers in the frame's Columns, one each: rates
	// per second, and the fast ratio from 0 to 1 (NaN when idle or not
	// measured, shown "—", never 0%).
	Values     []float64
	LiveBlocks uint64    // blocks in use: calls - frees so far in the epoch (when Frame.Live)
	LiveBytes  uint64    // bytes in use: LiveBlocks times the class size, or the target's own count
	History    []float64 // recent alloc calls per second, oldest first; nil when the target counts no calls
}

// Idle reports whether the class saw no allocs and no frees in the
// interval: every rate is 0 (a ratio is NaN then).
func (r ClassRow) Idle() bool {
	for _, v := range r.Values {
		if v != 0 && !math.IsNaN(v) {
			return false
		}
	}
	return true
}

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
