// Package ctest compiles haktop's C test programs and names the real allocators
// they run under, for target/shim's own tests and, through processtest, those above.
package ctest

// It owns what those tests share and what needs no shim: the allocator
// list (libraries and their Debian packages), the test programs' sources,
// compile flags and printed results, the skips on a machine without them,
// and the one temp directory a test binary builds into (Main removes it). It imports nothing of haktop, since
// target/shim's in-package tests import it (processtest, which builds the
// shim, cannot serve them: it imports target/shim). The C compiler is
// target/shim's Compiler, passed in by the callers for that reason.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// LibDir is where Debian installs the allocators' shared libraries.
const LibDir = "/usr/lib/x86_64-linux-gnu"

// Allocator is a real allocator a program runs on under the shim.
type Allocator struct {
	Name string // the subtest's name
	Lib  string // the library to preload after the shim; "" for glibc, the C library's own
	Pkg  string // the Debian package that installs Lib
}

// The allocators the tests run on.
var (
	Glibc    = Allocator{Name: "glibc"}
	Jemalloc = Allocator{"jemalloc", LibDir + "/libjemalloc.so.2", "libjemalloc2"}
	Tcmalloc = Allocator{"tcmalloc", LibDir + "/libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"}
	Mimalloc = Allocator{"mimalloc", LibDir + "/libmimalloc.so.2", "libmimalloc2.0"}

	Allocators = []Allocator{Glibc, Jemalloc, Tcmalloc, Mimalloc}
)

// Median is the median of v, the statistic the benchmarks report over
// their interleaved rounds (one slow round on a shared machine moves it
// little).
func Median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Need skips t when a's library is not installed, naming its package.
func (a Allocator) Need(t testing.TB) {
	t.Helper()
	if a.Lib == "" {
		return
	}
	if _, err := os.Stat(a.Lib); err != nil {
		t.Skipf("%s is not installed (apt-get install %s)", a.Lib, a.Pkg)
	}
}

// The C test programs, as paths from the module's root.
const (
	EndingC      = "target/process/testdata/ending.c" // ends as its argument says: exit3, segv, abort, spin, ...
	HakmemC      = "target/shim/testdata/hakmem_test.c"
	RandomMixedC = "target/shim/testdata/random_mixed.c"
)

// RandomMixedOutput is what random_mixed.c prints when it ends.
type RandomMixedOutput struct {
	OpsPerSec, Allocs, Frees uint64
	Sec                      float64 // the loop's own time
}

var randomMixedLine = regexp.MustCompile(`^ops_per_sec=(\d+) allocs=(\d+) frees=(\d+) sec=([0-9.]+)\n$`)

// ParseRandomMixed reads out, all random_mixed.c printed; ok is false when
// it is not the one line ops_per_sec=N allocs=N frees=N sec=S.
func ParseRandomMixed(out string) (r RandomMixedOutput, ok bool) {
	m := randomMixedLine.FindStringSubmatch(out)
	if m == nil {
		return r, false
	}
	r.OpsPerSec, _ = strconv.ParseUint(m[1], 10, 64)
	r.Allocs, _ = strconv.ParseUint(m[2], 10, 64)
	r.Frees, _ = strconv.ParseUint(m[3], 10, 64)
	r.Sec, _ = strconv.ParseFloat(m[4], 64)
	return r, true
}

// RandomMixedIn is ParseRandomMixed of the file path (a program's output
// file), failing t with what the file holds when it is not that one line.
func RandomMixedIn(t testing.TB, path string) RandomMixedOutput {
	t.Helper()
	b, err := os.ReadFile(path)
	r, ok := ParseRandomMixed(string(b))
	if err != nil || !ok {
		t.Fatalf("random_mixed's output file %s holds %q (%v)", path, b, err)
	}
	return r
}

// HakmemOutput is what hakmem_test.c's driver prints: the requests it
// made, its frees (the drain included), and how many were pool-sized and
// large.
type HakmemOutput struct{ Allocs, Frees, Pool, Large uint64 }

// ParseHakmem reads what hakmem_test.c's driver printed.
func ParseHakmem(out string) (HakmemOutput, error) {
	var h HakmemOutput
	_, err := fmt.Sscanf(out, "allocs=%d frees=%d pool=%d large=%d", &h.Allocs, &h.Frees, &h.Pool, &h.Large)
	return h, err
}

// includeDir holds haktop.h, on the include path of every C program.
const includeDir = "target/shim/c"

// cxx is the C++ compiler CXXProgram builds with.
const cxx = "g++"

var (
	mu    sync.Mutex
	dir   string
	progs = map[string]string{}
)

// fromRoot returns path (from the module's root) as an absolute path;
// an absolute path is returned as it is.
func fromRoot(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", path)
}

// Dir returns the test binary's build directory, made on first use;
// Main removes it.
func Dir(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	return dirLocked(t)
}

func dirLocked(t testing.TB) string {
	t.Helper()
	if dir == "" {
		d, err := os.MkdirTemp("", "haktop-ctest-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	return dir
}

// Main is the TestMain of a package whose tests build through ctest: it
// runs the tests, removes Dir and exits with their status.
func Main(m *testing.M) {
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// cleanup removes Dir and what was built in it.
func cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if dir != "" {
		os.RemoveAll(dir)
		dir, progs = "", map[string]string{}
	}
}

// NeedCC skips t when the C compiler cc is not installed.
func NeedCC(t testing.TB, cc string) {
	t.Helper()
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler (%s): install gcc to run this test", cc)
	}
}

// Program compiles the C program src (a path from the module's root, or an
// absolute one) with cc as C11, warnings as errors, haktop.h on the include
// path, and flags, once per test binary, and returns the executable. It
// skips t without cc.
func Program(t testing.TB, cc, src string, flags ...string) string {
	t.Helper()
	NeedCC(t, cc)
	return compile(t, cc, []string{"-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-I" + fromRoot(includeDir)}, src, flags)
}

// CXXProgram compiles the C++ program src (as for Program) with g++ as
// C++17, warnings as errors, once per test binary. It skips t without g++.
func CXXProgram(t testing.TB, src string) string {
	t.Helper()
	if _, err := exec.LookPath(cxx); err != nil {
		t.Skipf("no C++ compiler (%s): install g++ to run this test", cxx)
	}
	return compile(t, cxx, []string{"-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror"}, src, nil)
}

// compile runs compiler with its flags, src into Dir, and the caller's
// flags, once per compiler, source and flags.
func compile(t testing.TB, compiler string, compilerFlags []string, src string, flags []string) string {
	t.Helper()
	path := fromRoot(src)
	key := compiler + " " + path + " " + strings.Join(flags, " ")
	mu.Lock()
	defer mu.Unlock()
	if p, ok := progs[key]; ok {
		return p
	}
	out := filepath.Join(dirLocked(t), fmt.Sprintf("%s-%d", strings.TrimSuffix(filepath.Base(src), filepath.Ext(src)), len(progs)))
	args := append(append(append([]string{}, compilerFlags...), "-o", out, path), flags...)
	if b, err := exec.Command(compiler, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", compiler, strings.Join(args, " "), err, b)
	}
	progs[key] = out
	return out
}

// HakmemIn is ParseHakmem of the file path (a program's output file),
// failing t with what the file holds when it does not parse.
func HakmemIn(t testing.TB, path string) HakmemOutput {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseHakmem(string(b))
	if err != nil {
		t.Fatalf("hakmem_test's output file %s holds %q: %v", path, b, err)
	}
	return h
}
