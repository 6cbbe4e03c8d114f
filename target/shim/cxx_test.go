package shim

import (
	"fmt"
	"testing"

	"github.com/haktop/haktop/target/ctest"
)

// cxxClasses are the classes testdata/cxx.cc allocates in, each n times.
var cxxClasses = []string{"C1", "C2", "C3", "C4", "C5", "C6", "C7", "P0", "P2", "P3", "P4", "P5", "P6"}

// TestCxxNewDeleteCountsExactly runs testdata/cxx.cc, every form of
// operator new and delete, on each allocator. jemalloc, tcmalloc and
// mimalloc define operator new themselves (it never reaches malloc), so
// the shim's own operator new counts it; libstdc++'s (glibc) calls malloc,
// aligned_alloc and free, which count it, once. Either way each class has
// exactly the program's calls and frees (glibc: frees summed, as for C).
func TestCxxNewDeleteCountsExactly(t *testing.T) {
	prog := ctest.CXXProgram(t, testdata(t, "cxx.cc"))
	const n = 1000
	for _, a := range ctest.Allocators {
		t.Run(a.Name, func(t *testing.T) {
			a.Need(t)
			out, snap := run(t, a.Lib, nil, prog, fmt.Sprint(n))
			if out != fmt.Sprintf("n=%d\n", n) {
				t.Fatalf("cxx printed %q", out)
			}
			req := onlyTable(t, snap, "requests", 0)
			calls, freed := column(t, req, "alloc_calls"), column(t, req, "free_calls")
			var sumFrees uint64
			for _, name := range cxxClasses {
				c := req.Schema.Class(name)
				sumFrees += freed[c]
				if calls[c] != n {
					t.Errorf("%s: %d calls, want %d", name, calls[c], n)
				}
				if a.Lib != "" && freed[c] != n {
					t.Errorf("%s: %d frees, want %d", name, freed[c], n)
				}
			}
			if want := uint64(n * len(cxxClasses)); sumFrees != want {
				t.Errorf("classes %v: %d frees, want %d", cxxClasses, sumFrees, want)
			}
			t.Logf("%s: calls %v frees %v", a.Name, calls, freed)
		})
	}
}
