package shim

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CXXCompiler is the C++ compiler the tests build testdata/cxx.cc with.
const cxxCompiler = "g++"

// cxxProgram compiles testdata/src with the C++ compiler, once.
func cxxProgram(t testing.TB, src string) string {
	t.Helper()
	theShim(t)
	if _, err := exec.LookPath(cxxCompiler); err != nil {
		t.Skipf("no C++ compiler (%s): install g++ to run the C++ tests", cxxCompiler)
	}
	progMu.Lock()
	defer progMu.Unlock()
	if p, ok := progs[src]; ok {
		return p
	}
	out := filepath.Join(buildDir, strings.TrimSuffix(src, ".cc")+"-cxx")
	args := []string{"-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out, filepath.Join("testdata", src)}
	if b, err := exec.Command(cxxCompiler, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", cxxCompiler, strings.Join(args, " "), err, b)
	}
	progs[src] = out
	return out
}

// cxxClasses are the classes testdata/cxx.cc allocates in, each n times.
var cxxClasses = []string{"C1", "C2", "C3", "C4", "C5", "C6", "C7", "P0", "P2", "P3", "P4", "P5", "P6"}

// TestCxxNewDeleteCountsExactly runs testdata/cxx.cc, every form of
// operator new and delete, on each allocator. jemalloc, tcmalloc and
// mimalloc define operator new themselves (it never reaches malloc), so
// the shim's own operator new counts it; libstdc++'s (glibc) calls malloc,
// aligned_alloc and free, which count it, once. Either way each class has
// exactly the program's calls and frees (glibc: frees summed, as for C).
func TestCxxNewDeleteCountsExactly(t *testing.T) {
	prog := cxxProgram(t, "cxx.cc")
	const n = 1000
	for _, a := range allocators {
		t.Run(a.name, func(t *testing.T) {
			needLib(t, a.lib, a.pkg)
			out, snap := run(t, a.lib, nil, prog, fmt.Sprint(n))
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
				if a.lib != "" && freed[c] != n {
					t.Errorf("%s: %d frees, want %d", name, freed[c], n)
				}
			}
			if want := uint64(n * len(cxxClasses)); sumFrees != want {
				t.Errorf("classes %v: %d frees, want %d", cxxClasses, sumFrees, want)
			}
			t.Logf("%s: calls %v frees %v", a.name, calls, freed)
		})
	}
}
