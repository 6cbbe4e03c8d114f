package process

// Tests run real programs under the shim: target/shim's random_mixed.c and
// hakmem-shaped test allocator, and testdata/ending.c, which ends in the
// way it is told (an exit code, SIGSEGV, abort, a fork, or never).

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/process/processtest"
	"github.com/haktop/haktop/target/shim"
)

// jemalloc is the library the jemalloc cases preload (ctest's).
var jemalloc = ctest.Jemalloc.Lib

// needJemalloc skips t when jemalloc is not installed.
func needJemalloc(t *testing.T) {
	t.Helper()
	ctest.Jemalloc.Need(t)
}

func TestMain(m *testing.M) { ctest.Main(m) }

// theShim returns the preload shim, built once (processtest); it skips t
// without a C compiler.
func theShim(t testing.TB) string { return processtest.Shim(t) }

// program compiles the C program src (a path from this package's
// directory) once per flag set.
func program(t testing.TB, src string, flags ...string) string {
	t.Helper()
	return processtest.Program(t, filepath.Join("target/process", src), flags...)
}

// start runs argv under the shim with a fresh runtime dir and output file.
func start(t *testing.T, o Options, argv ...string) (*Process, string) {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if o.Shim == "" {
		o.Shim = theShim(t)
	}
	o.Output = filepath.Join(t.TempDir(), "out")
	p, err := Start(argv, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, o.Output
}

// column sums counter role r of the classes serving requests lo..hi.
func column(t *testing.T, s target.Schema, snap target.Snapshot, r target.Role, lo, hi int) uint64 {
	t.Helper()
	k := s.CounterOf(r)
	if k < 0 {
		t.Fatalf("schema %s has no %s counter", s.Target, r)
	}
	var sum uint64
	for c, cl := range s.Classes {
		if cl.Min <= hi && (cl.Max == 0 || cl.Max >= lo) {
			sum += snap.At(c, k, len(s.Counters))
		}
	}
	return sum
}

// TestRandomMixedUnderJemalloc: the request classes of the loop's sizes
// (16..1039 bytes) count exactly the allocs random_mixed.c prints, and
// every one of them freed; its output went to the file, its exit is 0.
func TestRandomMixedUnderJemalloc(t *testing.T) {
	needJemalloc(t)
	prog := processtest.Program(t, ctest.RandomMixedC)
	p, out := start(t, Options{Preload: jemalloc, Table: TableRequests}, prog, "200000", "1024", "42")
	if e := p.Wait(); e != (Exit{}) {
		t.Fatalf("random_mixed ended with %v", e)
	}
	printed := ctest.RandomMixedIn(t, out)
	s := p.Schema()
	snap, err := p.Snapshot()
	if err != nil || snap.Unmeasured != "" {
		t.Fatal(err, snap.Unmeasured)
	}
	if s.Target != TableRequests || !s.Counted {
		t.Fatalf("schema %q counted=%v, want the requests table", s.Target, s.Counted)
	}
	calls, frees := column(t, s, snap, target.RoleCalls, 16, 1039), column(t, s, snap, target.RoleFree, 16, 1039)
	if calls != printed.Allocs || frees != printed.Allocs {
		t.Errorf("16..1039-byte classes: %d calls and %d frees, want the %d allocs it printed, each freed", calls, frees, printed.Allocs)
	}
	if snap.Proc.CPU <= 0 || snap.Proc.RSSBytes == 0 {
		t.Errorf("final figures %+v: want its CPU time and RSS", snap.Proc)
	}
}

// TestPicksTheAllocatorsOwnTable: with no table asked for, a stock
// jemalloc shows jemalloc's bins (with a fast counter), and the haktop.h
// test allocator its own schema, gate and paths.
func TestPicksTheAllocatorsOwnTable(t *testing.T) {
	t.Run("jemalloc", func(t *testing.T) {
		needJemalloc(t)
		p, _ := start(t, Options{Preload: jemalloc}, program(t, "testdata/ending.c"), "spin")
		s := p.Schema()
		if s.Target != TableJemalloc || !s.Has(target.RoleFast) || !s.Has(target.RoleRefill) || len(s.Classes) < 10 {
			t.Fatalf("schema %q with %d classes, counters %v: want jemalloc's bins with fast and refill", s.Target, len(s.Classes), s.Counters)
		}
		// jemalloc's stats are refreshed every 250 ms
		var calls uint64
		for t0 := time.Now(); calls == 0 && time.Since(t0) < 5*time.Second; time.Sleep(20 * time.Millisecond) {
			snap, err := p.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			calls = column(t, s, snap, target.RoleCalls, 64, 64)
		}
		if calls == 0 {
			t.Errorf("jemalloc's 64-byte bin served no requests of a loop of 64-byte mallocs in 5 s")
		}
	})
}

// TestLibrary: the shim that counts every call is preloaded only when its
// request classes may be the table shown; jemalloc's bins and an
// allocator's own table get the stats-only build, which interposes nothing.
func TestLibrary(t *testing.T) {
	needJemalloc(t)
	loop, hakmem := program(t, "../shim/testdata/random_mixed.c"), program(t, "../shim/testdata/hakmem_test.c")
	for _, c := range []struct {
		path string
		o    Options
		want shim.Library
	}{
		{loop, Options{}, shim.Shim},
		{loop, Options{Preload: jemalloc}, shim.StatsOnly},
		{loop, Options{Preload: jemalloc, Table: TableJemalloc}, shim.StatsOnly},
		{loop, Options{Preload: jemalloc, Table: TableRequests}, shim.Shim},
		{loop, Options{Table: "hakmem"}, shim.StatsOnly},
		{loop, Options{Preload: ctest.LibDir + "/libc.so.6"}, shim.Shim},
		{loop, Options{Env: []string{"LD_PRELOAD=" + ctest.LibDir + "/libc.so.6:" + jemalloc}}, shim.StatsOnly},
		{loop, Options{Env: []string{"LD_PRELOAD=" + ctest.LibDir + "/libc.so.6"}}, shim.Shim},
		{hakmem, Options{}, shim.StatsOnly},
		{hakmem, Options{Table: TableRequests}, shim.Shim},
	} {
		if got := Library(c.path, c.o); got.String() != c.want.String() {
			t.Errorf("Library(%s, %+v) = %v, want %v", filepath.Base(c.path), c.o, got, c.want)
		}
	}
}

// TestRunsUninterposed: by default a --preload jemalloc CMD, and a CMD
// that publishes its own table (haktop.h), run with the stats-only build
// mapped, not the counting shim, and show their own counters.
func TestRunsUninterposed(t *testing.T) {
	theShim(t) // skips without a C compiler
	for _, c := range []struct {
		name, target string
		argv         []string
		o            Options
		from, to     int // a class range the program allocates in
	}{
		{"jemalloc", TableJemalloc, []string{program(t, "testdata/ending.c"), "spin"}, Options{Preload: jemalloc}, 64, 64},
		{"haktop.h", "hakmem-test", []string{program(t, "../shim/testdata/hakmem_test.c"), "400000000", "256", "1"}, Options{}, 1, 256},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.o.Preload != "" {
				needJemalloc(t)
			}
			t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			c.o.Output = filepath.Join(t.TempDir(), "out")
			p, err := Start(c.argv, c.o)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			s := p.Schema()
			if s.Target != c.target {
				t.Fatalf("schema %q, want %s (%s)", s.Target, c.target, p.Unmeasured())
			}
			maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", p.PID()))
			if err != nil {
				t.Fatal(err)
			}
			var libs []string
			for _, l := range strings.Split(string(maps), "\n") {
				if f := strings.Fields(l); len(f) == 6 && strings.HasSuffix(f[5], ".so") && (strings.HasPrefix(filepath.Base(f[5]), "shim-") || strings.HasPrefix(filepath.Base(f[5]), "stats-")) {
					libs = append(libs, filepath.Base(f[5]))
				}
			}
			if libs = slices.Compact(libs); len(libs) != 1 || !strings.HasPrefix(libs[0], "stats-") {
				t.Fatalf("CMD maps haktop's libraries %v, want the stats-only build alone", libs)
			}
			snap, _ := p.seg.Snapshot()
			if req := snap.Table(TableRequests); req != nil {
				t.Errorf("the segment has a %s table: a call was interposed", TableRequests)
			}
			var calls uint64
			for t0 := time.Now(); calls == 0 && time.Since(t0) < 5*time.Second; time.Sleep(20 * time.Millisecond) {
				snap, err := p.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				calls = column(t, s, snap, target.RoleCalls, c.from, c.to)
			}
			if calls == 0 {
				t.Errorf("%s counted no calls of %d..%d bytes in 5 s", s.Target, c.from, c.to)
			}
		})
	}
}

// TestHakmemGate runs the hakmem-shaped test allocator with its gate off,
// on with only tiny requests, and on with pool-sized ones: the schema says
// which paths HAKMEM_POOL_V2_ENABLED guards and whether its value switches
// them off, and the v2 paths' hits are exactly what the driver asked of pool v2.
func TestHakmemGate(t *testing.T) {
	prog := program(t, "../shim/testdata/hakmem_test.c")
	for _, c := range []struct {
		v2, sizes string
		off       bool
		pool      bool // the v2 paths' hits are the driver's pool count, else 0
	}{
		{"0", "mixed", true, false},
		{"1", "tiny", false, false},
		{"1", "mixed", false, true},
	} {
		t.Run(c.v2+"-"+c.sizes, func(t *testing.T) {
			p, out := start(t, Options{Env: []string{"HAKMEM_POOL_V2_ENABLED=" + c.v2}}, prog, "100000", "256", "2", c.sizes)
			if e := p.Wait(); e != (Exit{}) {
				t.Fatalf("hakmem_test ended with %v", e)
			}
			s := p.Schema()
			want := target.Gate{Env: "HAKMEM_POOL_V2_ENABLED", Value: c.v2, Source: target.SourceEnv,
				Paths: []string{"pool_v2_alloc", "pool_v2_free"}, Off: c.off}
			if s.Target != "hakmem-test" || len(s.Gates) != 1 || fmt.Sprint(s.Gates[0]) != fmt.Sprint(want) {
				t.Fatalf("schema %q gates %+v: want hakmem-test's, with %+v", s.Target, s.Gates, want)
			}
			for _, id := range want.Paths {
				if s.PathIndex(id) < 0 {
					t.Fatalf("the gate guards %s, which the schema's paths %v lack", id, s.PathIDs())
				}
			}
			h := ctest.HakmemIn(t, out)
			if (c.sizes == "tiny") != (h.Pool == 0 && h.Large == 0) {
				t.Fatalf("%s sizes: %d pool and %d large requests", c.sizes, h.Pool, h.Large)
			}
			snap, err := p.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			wantHits := uint64(0)
			if c.pool {
				wantHits = h.Pool
			}
			for _, id := range want.Paths {
				if got := snap.Paths[s.PathIndex(id)]; got != wantHits {
					t.Errorf("%s: %d hits, want %d", id, got, wantHits)
				}
			}
		})
	}
}

// TestEndings: how a program ended is kept, exactly.
func TestEndings(t *testing.T) {
	prog := program(t, "testdata/ending.c")
	for _, c := range []struct {
		arg    string
		want   string
		status int
	}{
		{"exit3", "exit 3", 3},
		{"segv", "killed by SIGSEGV", 128 + 11},
		{"abort", "killed by SIGABRT", 128 + 6},
	} {
		t.Run(c.arg, func(t *testing.T) {
			p, _ := start(t, Options{}, prog, c.arg)
			e := p.Wait()
			if got := strings.TrimSuffix(e.String(), " (core dumped)"); got != c.want || e.Status() != c.status {
				t.Errorf("%s ended %q (status %d), want %q (%d)", c.arg, e, e.Status(), c.want, c.status)
			}
			snap, err := p.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			s := p.Schema()
			if got := column(t, s, snap, target.RoleCalls, 100, 100); got != 1000 {
				t.Errorf("its 1000 mallocs of 100 bytes counted %d times", got)
			}
		})
	}
}

// TestStopPauseResume: SIGTERM ends a program; one that ignores SIGTERM
// is killed after the grace period; a paused program makes no progress
// until it is resumed.
func TestStopPauseResume(t *testing.T) {
	prog := program(t, "testdata/ending.c")
	p, _ := start(t, Options{}, prog, "spin")
	s := p.Schema()
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the kernel to stop the program", func() bool { return procState(t, p.PID()) == 'T' })
	a, _ := p.Snapshot()
	time.Sleep(100 * time.Millisecond)
	b, _ := p.Snapshot()
	if x, y := column(t, s, a, target.RoleCalls, 64, 64), column(t, s, b, target.RoleCalls, 64, 64); x != y || !p.Paused() {
		t.Errorf("paused, the 64-byte calls went from %d to %d", x, y)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	x := column(t, s, b, target.RoleCalls, 64, 64)
	waitFor(t, "the resumed program's 64-byte calls to move on", func() bool {
		c, _ := p.Snapshot()
		return column(t, s, c, target.RoleCalls, 64, 64) > x
	})
	p.Pause() // Stop must reach a paused program too
	if e := p.Stop(); e.Signal != syscall.SIGTERM {
		t.Errorf("stopped, it ended %v, want killed by SIGTERM", e)
	}

	q, _ := start(t, Options{Grace: 200 * time.Millisecond}, prog, "stubborn")
	q.Schema()
	t0 := time.Now()
	if e := q.Stop(); e.Signal != syscall.SIGKILL {
		t.Errorf("a program ignoring SIGTERM ended %v, want killed by SIGKILL", e)
	}
	if d := time.Since(t0); d < 200*time.Millisecond {
		t.Errorf("SIGKILL came %v after SIGTERM, before the 200ms grace period", d)
	}
}

// TestStopRefreshesJemallocFirst: a jemalloc CMD allocates a burst right
// after a refresh and then waits; Stop asks its refresher for a last
// refresh before SIGTERM, so the jemalloc table it leaves has the burst
// (without that, the signal lands before the next periodic refresh, up
// to 250 ms later, and the burst is lost).
func TestStopRefreshesJemallocFirst(t *testing.T) {
	needJemalloc(t)
	p, out := start(t, Options{Preload: jemalloc, Table: TableJemalloc}, program(t, "testdata/ending.c"), "burst")
	s := p.Schema()
	if p.Unmeasured() != "" {
		t.Fatal(p.Unmeasured())
	}
	// a refresh that answers a request of ours, then the burst at once
	before, _ := p.seg.Snapshot()
	if err := p.seg.RequestRefresh(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refresher to answer", func() bool {
		snap, _ := p.seg.Snapshot()
		jm := snap.Table(TableJemalloc)
		return jm != nil && jm.Refreshed == before.Request+1
	})
	if err := syscall.Kill(p.PID(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the burst", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "burst\n")
	})
	if e := p.Stop(); e.Signal != syscall.SIGTERM {
		t.Fatalf("stopped, it ended %v, want killed by SIGTERM", e)
	}
	snap, err := p.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// jemalloc merges a thread cache's requests into the bin at its fills,
	// so up to one cache's worth of the 21000 may be missing
	if got := column(t, s, snap, target.RoleCalls, 100, 100); got < 20000 {
		t.Errorf("after Stop, jemalloc's 100-byte bin shows %d requests, want the burst's 20000 and the 1000 before it", got)
	}
}

// waitFor polls cond until it holds, failing after 30 s with what it
// waited for: a fixed sleep would make the test depend on the machine's load.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
	}
}

// procState returns the state letter of /proc/PID/stat (R, S, T, Z, ...).
func procState(t *testing.T, pid int) byte {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces and parentheses
	if i < 0 || i+2 >= len(b) {
		t.Fatalf("/proc/%d/stat: %q", pid, b)
	}
	return b[i+2]
}

// TestForkedChildIsIgnored: a child's allocations and its frees of blocks
// it inherited count in the child's own tables, never in CMD's.
func TestForkedChildIsIgnored(t *testing.T) {
	p, _ := start(t, Options{Table: TableRequests}, program(t, "testdata/ending.c"), "fork")
	if e := p.Wait(); e != (Exit{}) {
		t.Fatalf("fork ended %v", e)
	}
	s := p.Schema()
	snap, _ := p.Snapshot()
	for _, c := range []struct {
		role     target.Role
		size     int
		want     uint64
		whatDone string
	}{
		{target.RoleCalls, 100, 1000, "the parent's mallocs"},
		{target.RoleFree, 100, 0, "the child's frees of inherited blocks"},
		{target.RoleCalls, 5000, 0, "the child's mallocs"},
	} {
		if got := column(t, s, snap, c.role, c.size, c.size); got != c.want {
			t.Errorf("%s of %d bytes: %d, want %d (%s)", c.role, c.size, got, c.want, c.whatDone)
		}
	}
}

// TestExecInPlaceIsFollowed: a program CMD execs in place (same pid)
// publishes tables of its own, whose counts are added to CMD's: the two
// images' 1000 mallocs of 100 bytes each.
func TestExecInPlaceIsFollowed(t *testing.T) {
	p, out := start(t, Options{Table: TableRequests}, program(t, "testdata/ending.c"), "exec")
	if e := p.Wait(); e != (Exit{Code: 3}) {
		t.Fatalf("exec ended %v, want the exec'd image's exit 3", e)
	}
	if b, _ := os.ReadFile(out); string(b) != "ready\nready\n" {
		t.Errorf("the output holds %q, want both images' ready", b)
	}
	snap, _ := p.Snapshot()
	if got := column(t, p.Schema(), snap, target.RoleCalls, 100, 100); got != 2000 {
		t.Errorf("mallocs of 100 bytes: %d, want 2000 (1000 before the exec, 1000 after)", got)
	}
}

// TestUnmeasured: a static program, and one whose LD_PRELOAD is dropped
// (env -u), are said to be unmeasured with no counters, and their RSS
// and CPU are still read.
func TestUnmeasured(t *testing.T) {
	theShim(t)
	static := filepath.Join(t.TempDir(), "ending-static")
	if b, err := exec.Command(shim.Compiler, "-std=c11", "-static", "-o", static, "testdata/ending.c").CombinedOutput(); err != nil {
		t.Logf("cc -static failed, so the static case is not run: %v\n%s", err, b)
		static = ""
	}
	ending := program(t, "testdata/ending.c")
	cases := []struct {
		name string
		lib  string // the library preloaded in the shim's place
		argv []string
		want string
	}{
		// A library that publishes nothing stands for a preload that had
		// no effect (every dynamic program loads the real shim).
		{"no effect", ctest.LibDir + "/libm.so.6", []string{ending, "spin"}, ending + " published no counters within 1s: LD_PRELOAD had no effect"},
	}
	if static != "" {
		cases = append(cases, struct {
			name string
			lib  string
			argv []string
			want string
		}{"static", "", []string{static, "spin"}, static + " is statically linked: LD_PRELOAD has no effect"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.lib != "" {
				if _, err := os.Stat(c.lib); err != nil {
					t.Skipf("%s: %v", c.lib, err)
				}
			}
			p, _ := start(t, Options{Shim: c.lib}, c.argv...)
			t0 := time.Now()
			s := p.Schema()
			if d := time.Since(t0); d > MapWait+500*time.Millisecond {
				t.Errorf("it took %v to say the counters are not measured", d)
			}
			snap, err := p.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(snap.Unmeasured, c.want) || p.Unmeasured() != snap.Unmeasured {
				t.Errorf("unmeasured %q, want it to start %q", snap.Unmeasured, c.want)
			}
			if s.Counted || len(s.Classes) != 0 || len(snap.Counters) != 0 || len(snap.Paths) != 0 {
				t.Errorf("unmeasured, the schema has %d classes (counted %v) and the snapshot %d counters", len(s.Classes), s.Counted, len(snap.Counters))
			}
			f := p.Figures()
			for t0 := time.Now(); f.CPU == 0 && time.Since(t0) < 5*time.Second; f = p.Figures() {
				time.Sleep(20 * time.Millisecond) // CPU time moves in 10 ms ticks
			}
			if f.RSSBytes == 0 || f.Threads != 1 || f.CPU <= 0 {
				t.Errorf("figures %+v: want its RSS, CPU time and one thread", f)
			}
		})
	}
}

// TestBadCommand: a missing command and a file that is not executable are
// one CommandError naming them.
func TestBadCommand(t *testing.T) {
	theShim(t)
	plain := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644)
	for _, c := range []struct{ cmd, want string }{
		{"haktop-no-such-command", "command haktop-no-such-command: executable file not found in $PATH"},
		{plain, "command " + plain + ": permission denied"},
		{"/", "command /: is a directory"},
	} {
		_, err := Start([]string{c.cmd}, Options{Shim: theShim(t), Output: filepath.Join(t.TempDir(), "out")})
		var ce *CommandError
		if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Start(%s): %v, want a CommandError starting %q", c.cmd, err, c.want)
		}
	}
}

func TestParseStat(t *testing.T) {
	line := "1234 (a (weird) name) R 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 3 0 99 1000000 256 18446744073709551615\n"
	got, err := parseStat([]byte(line))
	want := target.Proc{CPU: 2 * time.Second, Threads: 3, RSSBytes: 256 * pageSize}
	if err != nil || got != want {
		t.Errorf("parseStat: %+v, %v; want %+v", got, err, want)
	}
	if _, err := parseStat([]byte("1234 (cut) R 1 2")); err == nil {
		t.Errorf("a cut stat line parsed")
	}
}
