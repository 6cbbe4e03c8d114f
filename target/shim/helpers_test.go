package shim

// helpers_test.go builds the shim and the C test programs once per test
// binary, and runs a program under the shim with a fresh segment.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/haktop/haktop/target/segment"
)

const libdir = "/usr/lib/x86_64-linux-gnu"

// allocators are the real allocators the tests run under; "" is glibc.
var allocators = []struct{ name, lib, pkg string }{
	{"glibc", "", ""},
	{"jemalloc", libdir + "/libjemalloc.so.2", "libjemalloc2"},
	{"tcmalloc", libdir + "/libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"},
	{"mimalloc", libdir + "/libmimalloc.so.2", "libmimalloc2.0"},
}

var (
	buildOnce sync.Once
	buildDir  string
	shimLib   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// needCC skips the test when there is no C compiler.
func needCC(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(Compiler); err != nil {
		t.Skipf("no C compiler (%s): install gcc to run the shim tests", Compiler)
	}
}

// theShim builds the shim into a temporary cache, once.
func theShim(t testing.TB) string {
	t.Helper()
	needCC(t)
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "haktop-shim-test-")
		if buildErr == nil {
			shimLib, buildErr = BuildIn(filepath.Join(buildDir, "cache"))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return shimLib
}

var (
	statsOnce sync.Once
	statsLib  string
	statsErr  error
)

// theStatsLib builds the stats-only library into the same cache, once.
func theStatsLib(t testing.TB) string {
	t.Helper()
	theShim(t)
	statsOnce.Do(func() { statsLib, statsErr = StatsOnly.BuildIn(filepath.Join(buildDir, "cache")) })
	if statsErr != nil {
		t.Fatal(statsErr)
	}
	return statsLib
}

var (
	progMu sync.Mutex
	progs  = map[string]string{}
)

// program compiles testdata/src (with haktop.h on the include path and
// extra flags) once per flag set and returns the binary.
func program(t testing.TB, src string, flags ...string) string {
	t.Helper()
	theShim(t)
	key := src + " " + strings.Join(flags, " ")
	progMu.Lock()
	defer progMu.Unlock()
	if p, ok := progs[key]; ok {
		return p
	}
	out := filepath.Join(buildDir, strings.TrimSuffix(src, ".c")+"-"+string(rune('a'+len(progs))))
	args := append([]string{"-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-Ic", "-o", out, filepath.Join("testdata", src)}, flags...)
	if b, err := exec.Command(Compiler, args...).CombinedOutput(); err != nil {
		t.Fatalf("cc %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	progs[key] = out
	return out
}

// needLib skips the test when an allocator library is not installed.
func needLib(t testing.TB, lib, pkg string) {
	t.Helper()
	if lib == "" {
		return
	}
	if _, err := os.Stat(lib); err != nil {
		t.Skipf("%s is not installed (apt-get install %s)", lib, pkg)
	}
}

// run runs prog under the shim (first in LD_PRELOAD, then preload, if any)
// with a fresh segment and returns its stdout and the segment's snapshot
// after it exits.
func run(t testing.TB, preload string, env []string, prog string, args ...string) (string, *segment.Snapshot) {
	t.Helper()
	libs := theShim(t)
	if preload != "" {
		libs += " " + preload
	}
	return runEnv(t, append([]string{"LD_PRELOAD=" + libs}, env...), prog, args...)
}

// runEnv runs prog with a fresh segment and env added to the environment.
func runEnv(t testing.TB, env []string, prog string, args ...string) (string, *segment.Snapshot) {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	seg, err := segment.Create(0)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(append(os.Environ(), seg.Env()), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, stderr.String())
	}
	snap, err := seg.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), snap
}

// onlyTable returns the one table named name of pid (0: any pid).
func onlyTable(t testing.TB, snap *segment.Snapshot, name string, pid int) *segment.Table {
	t.Helper()
	var found *segment.Table
	for i := range snap.Tables {
		tb := &snap.Tables[i]
		if tb.Schema.Name == name && (pid == 0 || tb.PID == pid) {
			if found != nil {
				t.Fatalf("two %q tables for pid %d", name, pid)
			}
			found = tb
		}
	}
	if found == nil {
		t.Fatalf("no %q table for pid %d in %d tables", name, pid, len(snap.Tables))
	}
	return found
}

// column returns counter name of every class of tb.
func column(t testing.TB, tb *segment.Table, name string) []uint64 {
	t.Helper()
	k := tb.Schema.Counter(name)
	if k < 0 {
		t.Fatalf("table %s has no counter %s", tb.Schema.Name, name)
	}
	col := make([]uint64, len(tb.Counts))
	for c, row := range tb.Counts {
		col[c] = row[k]
	}
	return col
}
