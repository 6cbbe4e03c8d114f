package shim

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/segment"
)

var (
	c4 = requestClass(100)
	c5 = requestClass(200)
	p2 = requestClass(5000)
)

// TestThreadsCountExactly starts threads at once and one after another,
// more of them than the table has slots: every thread's calls are counted,
// and slots of threads that ended are reused.
func TestThreadsCountExactly(t *testing.T) {
	prog := program(t, "threads.c")
	for _, a := range ctest.Allocators {
		t.Run(a.Name, func(t *testing.T) {
			a.Need(t)
			const p, s, n = 8, 300, 1000
			out, snap := run(t, a.Lib, nil, prog, fmt.Sprint(p), fmt.Sprint(s), fmt.Sprint(n))
			if want := fmt.Sprintf("threads=%d blocks=%d\n", p+s, (p+s)*n); out != want {
				t.Fatalf("threads printed %q, want %q", out, want)
			}
			req := onlyTable(t, snap, "requests", 0)
			calls, freed := column(t, req, "alloc_calls"), column(t, req, "free_calls")
			for _, c := range []int{c4, p2} {
				if calls[c] != (p+s)*n || freed[c] != (p+s)*n {
					t.Errorf("%s: %d calls %d frees, want %d each", allocator.ClassName(c), calls[c], freed[c], (p+s)*n)
				}
			}
			if req.Lost != 0 || req.Slots >= p+s || req.Slots < 2 {
				t.Errorf("%d slots claimed and %d threads lost for %d threads: want slots reused and none lost", req.Slots, req.Lost, p+s+1)
			}
		})
	}
}

// TestForkChildHasItsOwnTables forks while a second thread counts: the
// parent's table holds exactly the parent's calls, the child's copy
// (tagged with the parent's pid) exactly the child's, and the image the
// child execs publishes tables of its own.
func TestForkChildHasItsOwnTables(t *testing.T) {
	prog := program(t, "fork.c")
	for _, a := range ctest.Allocators {
		t.Run(a.Name, func(t *testing.T) {
			a.Need(t)
			out, snap := run(t, a.Lib, nil, prog)
			var parent, child, status int
			if _, err := fmt.Sscanf(out, "parent=%d child=%d status=%d", &parent, &child, &status); err != nil || status != 0 {
				t.Fatalf("fork printed %q (%v)", out, err)
			}
			var mine, copied, execd []*segment.Table
			for i := range snap.Tables {
				tb := &snap.Tables[i]
				if tb.Schema.Name != "requests" {
					continue
				}
				switch {
				case tb.PID == parent:
					mine = append(mine, tb)
				case tb.PID == child && tb.PPID == parent:
					copied = append(copied, tb)
				case tb.PID == child && tb.PPID == 0:
					execd = append(execd, tb)
				}
			}
			if len(mine) != 1 || len(copied) != 1 || len(execd) != 1 {
				t.Fatalf("requests tables: %d of the parent, %d fork copies, %d of the exec'd image; want 1 each", len(mine), len(copied), len(execd))
			}
			pc, pf := column(t, mine[0], "alloc_calls"), column(t, mine[0], "free_calls")
			cc, cf := column(t, copied[0], "alloc_calls"), column(t, copied[0], "free_calls")
			check := func(who string, got, want uint64) {
				if got != want {
					t.Errorf("%s: %d, want %d", who, got, want)
				}
			}
			check("parent C4 calls", pc[c4], 1000+500)
			check("parent C4 frees", pf[c4], 500)
			check("parent C5 calls", pc[c5], 200*100)
			check("parent C5 frees", pf[c5], 200*100)
			check("parent P2 calls", pc[p2], 0)
			check("child C4 calls", cc[c4], 0)
			check("child C4 frees", cf[c4], 500)
			check("child C5 calls", cc[c5], 0)
			check("child P2 calls", cc[p2], 3000)
			check("child P2 frees", cf[p2], 3000)
		})
	}
}

// TestBootstrap: resolving the next malloc looks up mallctl first; where
// it is missing (glibc), dlsym allocates its error message while the next
// malloc is still unknown, so those calls take bootstrap blocks, and the
// program runs. Under jemalloc mallctl is found and nothing is needed.
func TestBootstrap(t *testing.T) {
	prog := program(t, "random_mixed.c")
	out, snap := run(t, "", nil, prog, "1000", "64", "7")
	if !strings.HasPrefix(out, "ops_per_sec=") {
		t.Fatalf("random_mixed printed %q", out)
	}
	diag := onlyTable(t, snap, "haktop-shim", 0)
	allocs, frees := diag.Counts[0][diag.Schema.Counter("bootstrap_allocs")], diag.Counts[0][diag.Schema.Counter("bootstrap_frees")]
	t.Logf("bootstrap: %d allocs, %d bytes, %d frees", allocs, diag.Counts[0][diag.Schema.Counter("bootstrap_bytes")], frees)
	if allocs == 0 || frees == 0 {
		t.Errorf("bootstrap: %d allocs and %d frees under glibc, want the missing-symbol lookup's error allocated and freed", allocs, frees)
	}
}

// TestEveryFunctionCounts calls each interposed function once in a class
// of its own, and makes three failures, on every allocator.
func TestEveryFunctionCounts(t *testing.T) {
	prog := program(t, "api.c")
	for _, a := range ctest.Allocators {
		t.Run(a.Name, func(t *testing.T) {
			a.Need(t)
			var args []string
			if a.Name == "jemalloc" {
				args = []string{"nopvalloc"}
			}
			out, snap := run(t, a.Lib, []string{"TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD=" + fmt.Sprint(uint64(1)<<62)}, prog, args...)
			if out != "ok=1 usable=1 bad=1\n" {
				t.Fatalf("api printed %q", out)
			}
			req := onlyTable(t, snap, "requests", 0)
			calls, freed, fail := column(t, req, "alloc_calls"), column(t, req, "free_calls"), column(t, req, "alloc_fail")
			bytes := column(t, req, "alloc_bytes")
			want := map[string][3]uint64{ // calls, frees, failures
				"C4": {1, 1, 1}, "C6": {1, 1, 0}, "P0": {1, 1, 0}, "P1": {2, 2, 0}, "P2": {1, 1, 0},
				"P3": {1, 1, 0}, "P4": {1, 1, 0}, "P5": {1, 1, 0}, "P6": {1, 1, 0}, "L": {1, 1, 3},
			}
			for c, cl := range req.Schema.Classes {
				w := want[cl.Name]
				if cl.Name == "P1" {
					// stdio's buffer: one call, never freed
					w[0]++
				}
				if calls[c] != w[0] || freed[c] != w[1] || fail[c] != w[2] {
					t.Errorf("%s: %d calls %d frees %d failures, want %v", cl.Name, calls[c], freed[c], fail[c], w)
				}
			}
			if c := req.Schema.Class("P5"); bytes[c] != 40000 {
				t.Errorf("P5 bytes %d, want 40000", bytes[c])
			}
		})
	}
}

// TestFullSegment gives the shim a segment with room for its small table
// only: the program runs as before, the table that found no room is
// counted as dropped, and what fits is published.
func TestFullSegment(t *testing.T) {
	prog := program(t, "random_mixed.c")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	seg, err := segment.Create(20480 + 8192)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	cmd := exec.Command(prog, "10000", "64", "1")
	cmd.Env = append(os.Environ(), seg.Env(), "LD_PRELOAD="+theShim(t))
	out, err := cmd.Output()
	if _, ok := ctest.ParseRandomMixed(string(out)); err != nil || !ok {
		t.Fatalf("random_mixed in a full segment: %q, %v", out, err)
	}
	snap, err := seg.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Dropped != 1 || len(snap.Tables) != 1 || snap.Tables[0].Schema.Name != "haktop-shim" {
		t.Fatalf("dropped %d, tables %d (want the requests table dropped, haktop-shim published)", snap.Dropped, len(snap.Tables))
	}
}
