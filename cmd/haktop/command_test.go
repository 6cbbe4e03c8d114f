package main

// Tests of `record -- CMD` with real programs: ../shared/bench/random_mixed.c
// (target/shim's committed copy) under jemalloc, target/process's
// ending.c, which crashes or exits as told, and target/shim's hakmem-shaped
// test allocator, whose gate declares the paths it guards.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/process/processtest"
	"github.com/haktop/haktop/target/shim"
)

func TestMain(m *testing.M) { ctest.Main(m) }

var (
	cacheOnce sync.Once
	cmdCache  string // XDG_CACHE_HOME for the shim's build, shared by the tests
	cacheErr  error
)

// cProgs builds the C test programs (processtest) and the shim, once, into
// a cache shared by the tests, and points the shim's cache at it for t.
func cProgs(t *testing.T) map[string]string {
	t.Helper()
	progs := map[string]string{
		"random_mixed": processtest.Program(t, ctest.RandomMixedC),
		"ending":       processtest.Program(t, ctest.EndingC),
		"hakmem":       processtest.Program(t, ctest.HakmemC),
	}
	cacheOnce.Do(func() {
		cmdCache = filepath.Join(ctest.Dir(t), "xdg-cache")
		_, cacheErr = shim.BuildIn(filepath.Join(cmdCache, "haktop"))
	})
	if cacheErr != nil {
		t.Fatal(cacheErr)
	}
	t.Setenv("XDG_CACHE_HOME", cmdCache)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	return progs
}

// TestRecordCommandCountsExactly records random_mixed.c under jemalloc
// with the shim's request classes: the recording's totals of the classes of
// its request sizes (C1..P0, 16..1039 bytes) are exactly the allocs it
// prints, each freed; its output is in the .out file; the footer says it
// exited 0, and so does haktop.
func TestRecordCommandCountsExactly(t *testing.T) {
	ctest.Jemalloc.Need(t)
	progs := cProgs(t)
	out := filepath.Join(t.TempDir(), "rm.jsonl")
	code, stdout, stderr := runCLI(t, "record", "-o", out, "--interval", "10ms", "--counters", "requests", "--preload", ctest.Jemalloc.Lib,
		"--", progs["random_mixed"], "300000", "1024", "42")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if want := regexp.MustCompile(`^recorded \d+ samples of ` + regexp.QuoteMeta(progs["random_mixed"]) + ` \(pid \d+, requests counters\) over .* to ` + regexp.QuoteMeta(out) +
		` \(\d+ records; done\): exit 0; its output is in ` + regexp.QuoteMeta(out+".out") + "\n$"); !want.MatchString(stdout) {
		t.Errorf("stdout %q does not match %s", stdout, want)
	}
	printed := ctest.RandomMixedIn(t, out+".out")
	allocs := printed.Allocs
	rec, err := sampler.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Footer == nil || rec.Footer.Exit == nil || *rec.Footer.Exit != (sampler.Exit{}) || rec.Footer.Reason != "done" {
		t.Fatalf("footer %+v: want done, exit 0", rec.Footer)
	}
	if h := rec.Header; h.Schema.Target != "requests" || !slices.Equal(h.Command, []string{progs["random_mixed"], "300000", "1024", "42"}) {
		t.Errorf("header target %q command %q", h.Schema.Target, h.Command)
	}
	var calls, freed uint64
	sc, tot := &rec.Header.Schema, rec.Footer.Totals
	for c := 1; c <= 8; c++ { // C1..P0
		calls += tot.Counters[c*len(sc.Counters)+sc.CounterOf(target.RoleCalls)]
		freed += tot.Counters[c*len(sc.Counters)+sc.CounterOf(target.RoleFree)]
	}
	if calls != allocs || freed != allocs {
		t.Errorf("C1..P0: %d calls and %d frees recorded, want the %d allocs it printed, each freed", calls, freed, allocs)
	}
	// random_mixed runs a few ms: when it ended before the first sample,
	// its final sample is the only one (live.Process takes it once).
	if len(rec.Samples) < 1 {
		t.Errorf("%d samples", len(rec.Samples))
	}
	code, report, _ := runCLI(t, "report", out)
	if head := "session   " + out + " (format 2, complete, done: exit 0)\n"; code != 0 || !strings.HasPrefix(report, head) ||
		!strings.Contains(report, "\ncommand   "+progs["random_mixed"]+" 300000 1024 42\n") {
		t.Errorf("report (exit %d) does not start %q and name the command:\n%s", code, head, report)
	}
}

// TestRecordCommandGateVerdict records the hakmem-shaped test allocator
// and reads the recording back with report: its HAKMEM_POOL_V2_ENABLED row
// says OFF with the gate at 0, NEVER EXECUTED at 1 with only tiny requests,
// ACTIVE at 1 with pool-sized ones, and the pool v2 paths' hits are
// exactly the pool requests the driver printed (0 when off or tiny).
func TestRecordCommandGateVerdict(t *testing.T) {
	progs := cProgs(t)
	for _, c := range []struct {
		v2, sizes, verdict string
	}{
		{"0", "mixed", "OFF"},
		{"1", "tiny", "NEVER EXECUTED"},
		{"1", "mixed", "ACTIVE"},
	} {
		t.Run(c.v2+"-"+c.sizes, func(t *testing.T) {
			t.Setenv("HAKMEM_POOL_V2_ENABLED", c.v2)
			out := filepath.Join(t.TempDir(), "hk.jsonl")
			code, _, stderr := runCLI(t, "record", "-o", out, "--interval", "10ms", "--", progs["hakmem"], "100000", "256", "2", c.sizes)
			if code != 0 || stderr != "" {
				t.Fatalf("record: exit %d, stderr %q", code, stderr)
			}
			h := ctest.HakmemIn(t, out+".out")
			code, report, stderr := runCLI(t, "report", out)
			if code != 0 || stderr != "" {
				t.Fatalf("report: exit %d, stderr %q", code, stderr)
			}
			// cells returns the cells of the report's table row that starts with first.
			cells := func(first string) []string {
				for _, line := range strings.Split(report, "\n") {
					f := strings.Split(strings.Trim(line, "│"), "│")
					for i := range f {
						f[i] = strings.TrimSpace(f[i])
					}
					if len(f) > 1 && f[0] == first {
						return f
					}
				}
				t.Fatalf("the report has no row %s:\n%s", first, report)
				return nil
			}
			if got, want := cells("HAKMEM_POOL_V2_ENABLED"), []string{"HAKMEM_POOL_V2_ENABLED", c.v2, "env", c.verdict}; !slices.Equal(got, want) {
				t.Errorf("gate row %q, want %q", got, want)
			}
			hits := uint64(0)
			if c.verdict == "ACTIVE" {
				hits = h.Pool
			}
			for _, path := range []string{"pool_v2_alloc", "pool_v2_free"} {
				if got := cells(path)[1]; got != fmt.Sprint(hits) {
					t.Errorf("path %s: %s hits, want %d (%d pool requests)", path, got, hits, h.Pool)
				}
			}
		})
	}
}

// TestRecordCommandEndings: haktop exits with the recorded command's
// status, and the footer says how it ended.
func TestRecordCommandEndings(t *testing.T) {
	progs := cProgs(t)
	for _, c := range []struct {
		arg  string
		code int
		exit sampler.Exit
		says string
	}{
		{"exit3", 3, sampler.Exit{Code: 3}, "exit 3"},
		{"segv", 139, sampler.Exit{Signal: "SIGSEGV"}, "killed by SIGSEGV"},
		{"abort", 134, sampler.Exit{Signal: "SIGABRT"}, "killed by SIGABRT"},
	} {
		t.Run(c.arg, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "e.jsonl")
			code, stdout, stderr := runCLI(t, "record", "-o", out, "--interval", "10ms", "--", progs["ending"], c.arg)
			if code != c.code || stderr != "" {
				t.Errorf("exit %d, stderr %q; want %d and nothing", code, stderr, c.code)
			}
			rec, err := sampler.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Footer == nil || rec.Footer.Exit == nil {
				t.Fatalf("footer %+v: want the exit", rec.Footer)
			}
			if got := *rec.Footer.Exit; got.Code != c.exit.Code || got.Signal != c.exit.Signal {
				t.Errorf("footer exit %+v, want %+v", got, c.exit)
			}
			if !strings.Contains(stdout, "; done): "+c.says) {
				t.Errorf("summary %q", stdout)
			}
			if _, report, _ := runCLI(t, "report", out); !strings.Contains(report, "(format 2, complete, done: "+c.says) {
				t.Errorf("report does not say %q:\n%s", c.says, report)
			}
			if b, _ := os.ReadFile(out + ".out"); string(b) != "ready\n" {
				t.Errorf("the output file holds %q, want ready", b)
			}
		})
	}
}

// TestRecordCommandBadInput: each is one line naming the input, exit 2,
// and no session file left behind.
func TestRecordCommandBadInput(t *testing.T) {
	progs := cProgs(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "s.jsonl")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--", "haktop-no-such-command"}, "haktop: command haktop-no-such-command: executable file not found in $PATH (want a program on PATH or a path to an executable file)\n"},
		{[]string{"--workers", "2", "--", progs["ending"]}, "haktop: --workers does not apply to a command run (-- CMD): it sets up haktop's own workload; the flags for CMD are --preload, --output, --counters\n"},
		{[]string{"--preload", "/no/such.so", "--", progs["ending"]}, "haktop: --preload /no/such.so: no such file or directory (want a shared library, e.g. /usr/lib/x86_64-linux-gnu/libjemalloc.so.2)\n"},
		{[]string{"--output", "x"}, "haktop: --output applies only to a command run: give the command after --, e.g. haktop record -o s.jsonl --output ... -- ./prog\n"},
		{[]string{progs["ending"]}, fmt.Sprintf("haktop: unexpected argument %q: a command to run goes after --, e.g. haktop record -o s.jsonl -- ./prog ARGS\n", progs["ending"])},
	} {
		code, stdout, stderr := runCLI(t, append([]string{"record", "-o", out}, c.args...)...)
		if code != 2 || stdout != "" || stderr != c.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", c.args, code, stdout, stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q left %s behind", c.args, out)
			os.Remove(out)
		}
	}
}

// TestRecordCommandNoCompiler: without cc the shim cannot be built: one
// line naming the package to install, exit 1, no session file.
func TestRecordCommandNoCompiler(t *testing.T) {
	progs := cProgs(t)
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "s.jsonl")
	code, stdout, stderr := runCLI(t, "record", "-o", out, "--", progs["ending"], "exit3")
	if want := "haktop: " + shim.ErrNoCompiler.Error() + "\n"; code != 1 || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout, stderr, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s left behind", out)
	}
}
