package profile

// Attribution: how one CPU profile's samples divide among a target's paths
// (target.Schema.Paths) and four catch-all buckets. It owns the bucket
// rules below and the rounding that makes the shares add up to exactly
// 100.00%. It reads profiles only; Collector (collector.go) feeds it.
//
// Bucket rules, applied to each sample's stack leaf first, counting every
// inlined frame (a Location's Line[0] is the innermost):
//
//   - the innermost frame whose function is one of a path's Funcs names the
//     path: a sample in takeBlock under tinyRefill is tiny_refill's;
//   - otherwise, a frame of the shared entry code (the schema's Entry; for
//     the embedded allocator Alloc and Free, with the tiny fast paths
//     inlined into them, and the size dispatch) puts it in "dispatch": code
//     every call of every size runs is evidence of no one path, so it never
//     counts for tiny_fast;
//   - otherwise, a frame in the target's package (the schema's Package; for
//     the embedded allocator Flush, Snapshot, publish outside a path) puts
//     it in "allocator/other";
//   - otherwise, a frame outside the standard library (a package path whose
//     first element has a dot, or package main) puts it in "workload": the
//     workload and whatever else the host program runs, including the
//     runtime work such code triggers (mallocgc, GC assists);
//   - otherwise only the Go runtime and standard library are on the stack
//     (GC workers, scheduler, sweeper, scavenger, the profiler itself, or a
//     sample with no stack): "runtime/GC".

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/workload"
)

// Keys of the rows that are not the target's paths.
const (
	KeyDispatch       = "dispatch"
	KeyAllocatorOther = "allocator/other"
	KeyWorkload       = "workload"
	KeyRuntime        = "runtime/GC"
)

// TopN is how many functions a row lists by flat and by cum cost.
const TopN = 5

// NoPath is the Path of a row that is not one of the target's paths.
const NoPath = -1

// FuncCost is one function's cost within a row.
type FuncCost struct {
	Func    string        `json:"func"`
	Samples int64         `json:"samples"`
	CPU     time.Duration `json:"cpu_ns"`
}

// Row is one bucket's share of a profile.
type Row struct {
	Key         string        `json:"key"`  // path id, or one of the Key* constants
	Name        string        `json:"name"` // human name
	Path        int           `json:"-"`    // the path's index in the schema's Paths; NoPath for the catch-all rows
	Samples     int64         `json:"samples"`
	CPU         time.Duration `json:"cpu_ns"`
	BasisPoints int64         `json:"basis_points"` // share in hundredths of a percent; a profile's rows sum to exactly 10000
	// TopFlat ranks the functions the row's samples were in (leaf frames).
	// TopCum ranks every function on the row's stacks, each counted once
	// per sample; for a path row only the frames from the leaf up to the
	// path's own frame, so callers above the path do not crowd the list.
	TopFlat []FuncCost `json:"top_flat"`
	TopCum  []FuncCost `json:"top_cum"`
}

// Percent returns the row's share of CPU in percent, to two decimals.
func (r Row) Percent() float64 { return float64(r.BasisPoints) / 100 }

// WorkerRows is one worker's samples, split the same way.
type WorkerRows struct {
	Workload    string        `json:"workload"` // pprof label "workload"; "" when unlabelled
	Worker      string        `json:"worker"`   // pprof label "worker"; "" when unlabelled
	Samples     int64         `json:"samples"`
	CPU         time.Duration `json:"cpu_ns"`
	BasisPoints int64         `json:"basis_points"` // the worker's share of the whole profile
	Rows        []Row         `json:"rows"`         // shares of this worker's own samples
}

// Attribution is a profile divided among a target's paths and catch-all rows.
type Attribution struct {
	Samples int64         `json:"samples"`
	CPU     time.Duration `json:"cpu_ns"`
	// Rows holds every path of the schema in its order (Rows[i] is
	// Schema.Paths[i]), then dispatch, allocator/other, workload and
	// runtime/GC, zero rows included.
	Rows    []Row        `json:"rows"`
	Workers []WorkerRows `json:"workers"` // by workload, then worker
}

// PathSamples returns the sample count of every path, in the schema's path
// order (Evidence.Samples).
func (a Attribution) PathSamples() []int64 {
	n := 0
	for _, r := range a.Rows {
		if r.Path != NoPath {
			n = max(n, r.Path+1)
		}
	}
	out := make([]int64, n)
	for _, r := range a.Rows {
		if r.Path != NoPath {
			out[r.Path] = r.Samples
		}
	}
	return out
}

// Row returns the row named key, and false when there is none.
func (a Attribution) Row(key string) (Row, bool) {
	for _, r := range a.Rows {
		if r.Key == key {
			return r, true
		}
	}
	return Row{}, false
}

// numCatchAll is how many rows follow the path rows: dispatch,
// allocator/other, workload and runtime/GC, at these offsets.
const (
	rowDispatch = iota
	rowAllocatorOther
	rowWorkload
	rowRuntime
	numCatchAll
)

// catchAll names the rows after the paths, by offset.
var catchAll = [numCatchAll][2]string{
	rowDispatch:       {KeyDispatch, "entry and size dispatch"},
	rowAllocatorOther: {KeyAllocatorOther, "allocator, no path"},
	rowWorkload:       {KeyWorkload, "workload"},
	rowRuntime:        {KeyRuntime, "Go runtime and GC"},
}

// classifier holds a schema's bucket rules: which row each function it
// names belongs to.
type classifier struct {
	paths []target.Path
	pkg   string         // the target's package; "" when it has none
	rowOf map[string]int // a path's function -> its path row; an entry function -> the dispatch row
}

// newClassifier returns the bucket rules of s; nil s is a target with no
// paths, no entry code and no package.
func newClassifier(s *target.Schema) *classifier {
	c := &classifier{rowOf: map[string]int{}}
	if s == nil {
		return c
	}
	c.paths, c.pkg = s.Paths, s.Package
	for i, p := range s.Paths {
		for _, f := range p.Funcs {
			c.rowOf[f] = i
		}
	}
	for _, f := range s.Entry {
		c.rowOf[f] = len(s.Paths) + rowDispatch
	}
	return c
}

// numRows returns how many rows an attribution has: the paths and the catch-all rows.
func (c *classifier) numRows() int { return len(c.paths) + numCatchAll }

// rowTally accumulates one row while samples are read.
type rowTally struct {
	samples, cpu int64
	flat, cum    map[string]*[2]int64 // function -> samples, cpu
}

func (t *rowTally) add(m *map[string]*[2]int64, fn string, n, cpu int64) {
	if *m == nil {
		*m = make(map[string]*[2]int64)
	}
	v := (*m)[fn]
	if v == nil {
		v = new([2]int64)
		(*m)[fn] = v
	}
	v[0] += n
	v[1] += cpu
}

type tally struct {
	rows         []rowTally
	samples, cpu int64
}

// Attribute returns p's samples divided among the paths of the target s
// describes (its Paths' Funcs, Entry and Package) and the catch-all rows,
// overall and per worker (see the bucket rules at the top of this file).
// Sample counts come from the "samples" value and CPU time from the "cpu"
// value; shares are by CPU time, or by count when p has no cpu value. A
// profile with no samples has every share 0. s nil is a target with no
// paths: every sample goes to a catch-all row.
func Attribute(p *pprofile.Profile, s *target.Schema) Attribution {
	return newClassifier(s).attribute(p)
}

func (c *classifier) attribute(p *pprofile.Profile) Attribution {
	countIdx, cpuIdx := -1, -1
	for i, st := range p.SampleType {
		switch st.Type {
		case "samples":
			countIdx = i
		case "cpu":
			cpuIdx = i
		}
	}
	total := tally{rows: make([]rowTally, c.numRows())}
	workers := make(map[[2]string]*tally)
	var stack []string
	for _, s := range p.Sample {
		n, cpu := int64(1), int64(0)
		if countIdx >= 0 {
			n = s.Value[countIdx]
		}
		if cpuIdx >= 0 {
			cpu = s.Value[cpuIdx]
		}
		stack = stack[:0]
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				name := "?"
				if ln.Function != nil {
					name = ln.Function.Name
				}
				stack = append(stack, name)
			}
		}
		row, depth := c.classify(stack)
		wk := [2]string{label(s, workload.LabelWorkload), label(s, workload.LabelWorker)}
		w := workers[wk]
		if w == nil {
			w = &tally{rows: make([]rowTally, c.numRows())}
			workers[wk] = w
		}
		total.record(row, depth, stack, n, cpu)
		w.record(row, depth, stack, n, cpu)
	}
	a := Attribution{Samples: total.samples, CPU: time.Duration(total.cpu), Rows: c.result(&total, cpuIdx >= 0)}
	keys := make([][2]string, 0, len(workers))
	for k := range workers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y [2]string) int {
		return cmp.Or(strings.Compare(x[0], y[0]), compareWorker(x[1], y[1]))
	})
	weights := make([]int64, len(keys))
	for i, k := range keys {
		w := workers[k]
		weights[i] = w.weight(cpuIdx >= 0)
		a.Workers = append(a.Workers, WorkerRows{
			Workload: k[0], Worker: k[1], Samples: w.samples, CPU: time.Duration(w.cpu),
			Rows: c.result(w, cpuIdx >= 0),
		})
	}
	for i, bp := range basisPoints(weights) {
		a.Workers[i].BasisPoints = bp
	}
	return a
}

// classify returns the row a stack (leaf first) belongs to and, for a path
// or dispatch row, the index of the frame that decided it.
func (c *classifier) classify(stack []string) (row, depth int) {
	for i, fn := range stack {
		if r, ok := c.rowOf[fn]; ok {
			return r, i
		}
	}
	user := false
	for _, fn := range stack {
		pkg := funcPackage(fn)
		if pkg == c.pkg && c.pkg != "" {
			return len(c.paths) + rowAllocatorOther, len(stack) - 1
		}
		if pkg == "main" || strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") {
			user = true
		}
	}
	if user {
		return len(c.paths) + rowWorkload, len(stack) - 1
	}
	return len(c.paths) + rowRuntime, len(stack) - 1
}

// funcPackage returns the package path of a pprof function name such as
// "github.com/haktop/haktop/allocator.(*Heap).Alloc": everything before the
// first dot after the last slash.
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

func (t *tally) record(row, depth int, stack []string, n, cpu int64) {
	t.samples += n
	t.cpu += cpu
	r := &t.rows[row]
	r.samples += n
	r.cpu += cpu
	if len(stack) == 0 {
		return
	}
	r.add(&r.flat, stack[0], n, cpu)
	for i, fn := range stack[:depth+1] {
		if !slices.Contains(stack[:i], fn) { // recursion counts once
			r.add(&r.cum, fn, n, cpu)
		}
	}
}

func (t *tally) weight(byCPU bool) int64 {
	if byCPU {
		return t.cpu
	}
	return t.samples
}

func (c *classifier) result(t *tally, byCPU bool) []Row {
	rows := make([]Row, len(t.rows))
	weights := make([]int64, len(t.rows))
	for i := range rows {
		r := &t.rows[i]
		rows[i] = Row{Path: NoPath, Samples: r.samples, CPU: time.Duration(r.cpu),
			TopFlat: top(r.flat, byCPU), TopCum: top(r.cum, byCPU)}
		weights[i] = r.samples
		if byCPU {
			weights[i] = r.cpu
		}
		if i < len(c.paths) {
			rows[i].Key, rows[i].Name, rows[i].Path = c.paths[i].ID, c.paths[i].Name, i
		} else {
			name := catchAll[i-len(c.paths)]
			rows[i].Key, rows[i].Name = name[0], name[1]
		}
	}
	for i, bp := range basisPoints(weights) {
		rows[i].BasisPoints = bp
	}
	return rows
}

// top returns the TopN costliest functions of m, costliest first, ties by name.
func top(m map[string]*[2]int64, byCPU bool) []FuncCost {
	out := make([]FuncCost, 0, len(m))
	for fn, v := range m {
		out = append(out, FuncCost{Func: fn, Samples: v[0], CPU: time.Duration(v[1])})
	}
	slices.SortFunc(out, func(x, y FuncCost) int {
		if byCPU {
			if c := cmp.Compare(y.CPU, x.CPU); c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(y.Samples, x.Samples), strings.Compare(x.Func, y.Func))
	})
	return out[:min(len(out), TopN)]
}

// basisPoints returns each weight's share of their sum in hundredths of a
// percent, rounded by largest remainder so the shares sum to exactly 10000
// (ties go to the earlier weight). All zero when the sum is zero.
func basisPoints(weights []int64) []int64 {
	var sum int64
	for _, w := range weights {
		sum += w
	}
	out := make([]int64, len(weights))
	if sum <= 0 {
		return out
	}
	rem := make([]int64, len(weights))
	left := int64(10000)
	for i, w := range weights {
		out[i] = w * 10000 / sum // fits int64 below about ten days of CPU time
		rem[i] = w*10000 - out[i]*sum
		left -= out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(rem[y], rem[x]) })
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}

func label(s *pprofile.Sample, key string) string {
	if v := s.Label[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// compareWorker orders worker labels numerically when both are numbers.
func compareWorker(x, y string) int {
	a, errA := strconv.Atoi(x)
	b, errB := strconv.Atoi(y)
	if errA == nil && errB == nil {
		return cmp.Compare(a, b)
	}
	return strings.Compare(x, y)
}

// ForWorker returns the share of a's samples taken on workload's worker
// goroutines (the one labelled worker, or every one when worker is ""), its
// rows rounded by largest remainder like the whole profile's, so they sum
// to exactly 10000 basis points. It returns nil when no such sample was taken.
func (a Attribution) ForWorker(workload, worker string) *Attribution {
	var out *Attribution
	for _, w := range a.Workers {
		if w.Workload != workload || (worker != "" && w.Worker != worker) {
			continue
		}
		if out == nil {
			out = &Attribution{Rows: slices.Clone(w.Rows)}
		} else if len(w.Rows) == len(out.Rows) {
			for r := range out.Rows {
				out.Rows[r].Samples += w.Rows[r].Samples
				out.Rows[r].CPU += w.Rows[r].CPU
			}
		}
		out.Samples += w.Samples
		out.CPU += w.CPU
	}
	if out == nil || out.Samples == 0 {
		return nil
	}
	weights := make([]int64, len(out.Rows))
	for r, row := range out.Rows {
		weights[r] = row.Samples
		if out.CPU > 0 {
			weights[r] = int64(row.CPU)
		}
	}
	for r, bp := range basisPoints(weights) {
		out.Rows[r].BasisPoints = bp
	}
	return out
}
