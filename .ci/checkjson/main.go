// Command checkjson reads one `haktop bench --json` document on stdin and
// exits 1, naming each broken expectation, unless it is sound.
//
// It checks that stdin holds exactly one JSON object that decodes into
// profile.RunReport without unknown fields, that the run did what was
// asked, and the counter invariants: allocs+frees = cycles, every block
// freed (frees+drained = allocs), and per class alloc_calls = fast + refill
// + fallback and free_calls = fast + remote + fallback, with the class
// totals equal to the workload's own calls plus the drain; tiny_fast's hits
// equal the tiny classes' alloc_fast + free_fast, slow_entry's the other
// calls, and the large row has no fast alloc.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
)

func main() {
	cycles := flag.Int64("cycles", 0, "the cycles the run was asked for (0: any)")
	name := flag.String("workload", "", "the workload the run was asked for (empty: any)")
	remote := flag.Bool("remote", false, "require remote frees (larson)")
	flag.Parse()
	problems, err := check(os.Stdin, *name, *cycles, *remote)
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkjson:", err)
		os.Exit(1)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "checkjson:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Println("checkjson: ok")
}

func check(r io.Reader, name string, cycles int64, remote bool) ([]string, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var rep profile.RunReport
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("decoding profile.RunReport: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one JSON value on stdin")
	}
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if name != "" && rep.Workload != name {
		bad("workload %q, want %q", rep.Workload, name)
	}
	if cycles != 0 && rep.Cycles != cycles {
		bad("cycles %d, want %d", rep.Cycles, cycles)
	}
	if rep.Workers < 1 {
		bad("workers %d", rep.Workers)
	}
	if rep.Seconds <= 0 || rep.OpsPerSec <= 0 {
		bad("seconds %v, ops_per_sec %v: want both > 0", rep.Seconds, rep.OpsPerSec)
	}
	if rep.Allocs+rep.Frees != rep.Cycles {
		bad("allocs %d + frees %d != cycles %d", rep.Allocs, rep.Frees, rep.Cycles)
	}
	if rep.Frees+rep.Drained != rep.Allocs {
		bad("frees %d + drained %d != allocs %d", rep.Frees, rep.Drained, rep.Allocs)
	}
	if len(rep.Classes) != allocator.NumClasses {
		bad("%d classes, want %d", len(rep.Classes), allocator.NumClasses)
	}
	if len(rep.Paths) != int(allocator.NumPaths) {
		bad("%d paths, want %d", len(rep.Paths), allocator.NumPaths)
	}
	if len(rep.Gates) != len(allocator.Gates) {
		bad("%d gates, want %d", len(rep.Gates), len(allocator.Gates))
	}
	for i, g := range rep.Gates {
		if i < len(allocator.Gates) && g.Env != allocator.Gates[i].Env {
			bad("gates[%d] = %s, want %s", i, g.Env, allocator.Gates[i].Env)
		}
		// Gate verdicts (profile.NewRunReport): present, and never INCONSISTENT.
		if g.Verdict == "" || len(g.Paths) != len(g.Gate.Paths) {
			bad("gates[%d] %s: verdict %q with %d path verdicts, want a verdict and one per path (%d)", i, g.Env, g.Verdict, len(g.Paths), len(g.Gate.Paths))
		}
		if g.Verdict == "INCONSISTENT" {
			bad("gates[%d] %s is INCONSISTENT: %+v", i, g.Env, g.Paths)
		}
	}
	if !rep.StatsCompiled {
		return p, nil // counters compiled out: nothing more to check
	}
	var allocs, frees, remotes uint64
	for i, c := range rep.Classes {
		if c.Class != allocator.ClassName(i) {
			bad("classes[%d] = %s, want %s", i, c.Class, allocator.ClassName(i))
		}
		if c.Count("alloc_calls") != c.Count("alloc_fast")+c.Count("alloc_refill")+c.Count("alloc_fallback") {
			bad("%s: alloc_calls %d != fast + refill + fallback", c.Class, c.Count("alloc_calls"))
		}
		if c.Count("free_calls") != c.Count("free_fast")+c.Count("free_remote")+c.Count("free_fallback") {
			bad("%s: free_calls %d != fast + remote + fallback", c.Class, c.Count("free_calls"))
		}
		allocs += c.Count("alloc_calls")
		frees += c.Count("free_calls")
		remotes += c.Count("free_remote")
	}
	if allocs != uint64(rep.Allocs) {
		bad("class alloc_calls %d != allocs %d", allocs, rep.Allocs)
	}
	if frees != uint64(rep.Frees+rep.Drained) {
		bad("class free_calls %d != frees %d + drained %d", frees, rep.Frees, rep.Drained)
	}
	if remote && remotes == 0 {
		bad("no remote frees")
	}
	if rep.Invalid.Total() != 0 {
		bad("%d invalid frees", rep.Invalid.Total())
	}
	// Counts that must agree exactly (the allocator's package doc): the
	// inline fast paths' hits are the tiny classes' fast counts, every
	// other call is a slow-path entry, and the large row, every block an
	// mmap, has no fast alloc and the size of its smallest request.
	hits := map[string]uint64{}
	for _, ph := range rep.Paths {
		hits[ph.ID] = ph.Hits
	}
	var fast uint64
	for i, c := range rep.Classes {
		if i < allocator.NumTinyClasses {
			fast += c.Count("alloc_fast") + c.Count("free_fast")
		}
	}
	if hits["tiny_fast"] != fast {
		bad("tiny_fast hits %d != the tiny classes' alloc_fast + free_fast %d", hits["tiny_fast"], fast)
	}
	if want := allocs + frees - fast + rep.Invalid.Total(); hits["slow_entry"] != want {
		bad("slow_entry hits %d != the calls that missed the fast path %d", hits["slow_entry"], want)
	}
	if len(rep.Classes) == allocator.NumClasses {
		if l := rep.Classes[allocator.LargeClass]; l.Count("alloc_fast") != 0 || l.Size != allocator.MaxPoolSize+1 {
			bad("large row: alloc_fast %d, size %d; want 0 (every block an mmap) and %d", l.Count("alloc_fast"), l.Size, allocator.MaxPoolSize+1)
		}
	}
	return p, nil
}
