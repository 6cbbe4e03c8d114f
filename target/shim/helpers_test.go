package shim

// helpers_test.go builds the shim once per test binary (the C programs and
// the allocators they run on are ctest's), runs a program under the shim
// with a fresh segment, and reads the tables it published.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/segment"
)

func TestMain(m *testing.M) { ctest.Main(m) }

// needCC skips the test when there is no C compiler.
func needCC(t testing.TB) {
	t.Helper()
	ctest.NeedCC(t, Compiler)
}

var (
	buildOnce sync.Once
	buildDir  string // ctest.Dir: the shim's builds are in its cache/
	shimLib   string
	buildErr  error
)

// theShim builds the shim into buildDir/cache, once.
func theShim(t testing.TB) string {
	t.Helper()
	needCC(t)
	buildOnce.Do(func() {
		buildDir = ctest.Dir(t)
		shimLib, buildErr = BuildIn(filepath.Join(buildDir, "cache"))
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

// program compiles testdata/src with flags (ctest.Program: haktop.h on
// the include path), once per flag set, and returns the binary.
func program(t testing.TB, src string, flags ...string) string {
	t.Helper()
	return ctest.Program(t, Compiler, testdata(t, src), flags...)
}

// testdata returns the absolute path of testdata/src.
func testdata(t testing.TB, src string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", src))
	if err != nil {
		t.Fatal(err)
	}
	return path
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
