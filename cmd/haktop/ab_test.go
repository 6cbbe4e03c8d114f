package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/ab"
	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
)

// fixedRunner is a fake ab.Runner: arm A's runs report 50M, 50.2M, 49.9M …
// ops/s in turn and arm B's 1% less, with tiny_hot's path hits (no pool path).
type fixedRunner struct {
	calls   map[string]int
	opts    ab.ExecOptions
	sigint  int // send this process SIGINT during this run (1-based)
	total   int
	release int // times the release function ran
}

func (f *fixedRunner) Run(ctx context.Context, arm ab.Arm) (profile.RunReport, error) {
	f.total++
	if f.total == f.sigint {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			return profile.RunReport{}, err
		}
		select { // a real child would be killed by the cancelled context
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			return profile.RunReport{}, errors.New("SIGINT did not cancel the context")
		}
	}
	if err := ctx.Err(); err != nil {
		return profile.RunReport{}, err
	}
	i := f.calls[arm.Name]
	f.calls[arm.Name]++
	ops := []float64{50.0e6, 50.2e6, 49.9e6, 50.1e6, 49.8e6}[i%5]
	if arm.Name == "B" {
		ops *= 0.99
	}
	rep := profile.RunReport{Workload: "tiny_hot", Workers: 1, Cycles: 1000000, Seconds: 1e6 / ops, OpsPerSec: ops, StatsCompiled: true}
	for _, p := range allocator.Paths {
		var hits uint64
		if p.ID == allocator.PathTinyFast {
			hits = 1000000
		}
		rep.Paths = append(rep.Paths, profile.PathReport{ID: p.Key, Name: p.Name, Hits: hits})
	}
	return rep, nil
}

// useFixedRunner makes ab use a fixedRunner for the rest of the test.
func useFixedRunner(t *testing.T) *fixedRunner {
	f := &fixedRunner{calls: map[string]int{}}
	saved := newABRunner
	newABRunner = func(ctx context.Context, a, b ab.Arm, opt ab.ExecOptions) (ab.Runner, func() error, error) {
		f.opts = opt
		return f, func() error { f.release++; return nil }, nil
	}
	t.Cleanup(func() { newABRunner = saved })
	return f
}

func TestABHelpGolden(t *testing.T) {
	requireGolden(t, "", "ab", "--help")
}

func TestABUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ab", "--a", "HAKMEM_POOL_V2_ENABLED"}, `haktop: --a: "HAKMEM_POOL_V2_ENABLED" is not NAME=VALUE: want space-separated HAKMEM_NAME=VALUE pairs, e.g. 'HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F'`},
		{[]string{"ab", "--b", "HAKMEM_POOL_V2_ENABLED=on"}, `haktop: --b: HAKMEM_POOL_V2_ENABLED="on" is not valid: want 0, 1, true or false`},
		{[]string{"ab", "--b", "HAKMEM_NOPE=1"}, "haktop: --b: HAKMEM_NOPE is not a gate the allocator reads: did you mean HAKMEM_PROFILE? (want one of HAKMEM_PROFILE, HAKMEM_TINY_CACHE_CAP, HAKMEM_SS_MEM_LEAN, HAKMEM_SS_MAX, HAKMEM_POOL_V2_ENABLED, HAKMEM_POOL_V2_CLASSES, HAKMEM_POOL_V2_PAGES, HAKMEM_POOL_V2_STATS)"},
		{[]string{"ab", "--tags-a", "no-stats"}, `haktop: --tags-a: "no-stats" is not a build tag: want comma-separated tags of letters, digits, _ and ., e.g. haktop_nostats`},
		{[]string{"ab", "--runs", "0"}, "haktop: --runs 0 is too few: the Mann-Whitney test cannot reach p < 0.05 with fewer than 4 runs per arm; want --runs 4 or more, or --runs auto --expect PCT"},
		{[]string{"ab", "--runs", "3"}, "haktop: --runs 3 is too few: the Mann-Whitney test cannot reach p < 0.05 with fewer than 4 runs per arm; want --runs 4 or more, or --runs auto --expect PCT"},
		{[]string{"ab", "--runs", "many"}, `haktop: --runs "many" is not valid: want a number of runs per arm (4 or more) or auto`},
		{[]string{"ab", "--runs", "auto"}, "haktop: --runs auto needs --expect PCT, the change to plan the runs for, e.g. --expect 1"},
		{[]string{"ab", "--expect", "0"}, "haktop: --expect 0 is not valid: want the change to detect in percent, above 0 and below 100, e.g. 1 or 0.5"},
		{[]string{"ab", "--expect", "1%"}, `haktop: --expect "1%" is not valid: want a number`},
		{[]string{"ab", "--runs", "auto", "--expect", "1", "--max-runs", "3"}, "haktop: --max-runs 3 is too few: want 4 or more runs per arm, the fewest with which the test can reach p < 0.05"},
		{[]string{"ab", "--cycles", "0"}, "haktop: --cycles 0 is not valid for ab: a child would run until stopped; want --cycles N or --duration D"},
		{[]string{"ab", "--workload", "nope"}, `haktop: --workload "nope" is not valid: want one of random_mixed, tiny_hot, mid_pool, larson, large`},
		{[]string{"ab", "--benchfmt", "/nonexistent-dir/x.bench"}, "haktop: --benchfmt /nonexistent-dir/x.bench: open /nonexistent-dir/x.bench: no such file or directory: want a file path ab can write"},
		{[]string{"ab", "extra"}, `haktop: unknown command "extra" for "haktop ab"`},
	}
	f := useFixedRunner(t)
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != 2 || out != "" || errs != tc.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit 2, stderr %q", code, out, errs, tc.want)
			}
		})
	}
	if f.total != 0 {
		t.Errorf("bad input ran %d children, want none", f.total)
	}
}

// A whole comparison through the CLI with a fake runner: the workload flags
// reach the children, the text report is byte-exact, the progress bar runs
// to the end on a terminal, and --benchfmt and --json hold the same runs.
func TestABRun(t *testing.T) {
	f := useFixedRunner(t)
	bench := filepath.Join(t.TempDir(), "ab.bench")
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	a.stderrIsTTY = func() bool { return true }
	code := exitCode(&errb, a.run([]string{"ab", "--a", "HAKMEM_POOL_V2_ENABLED=0", "--b", "HAKMEM_POOL_V2_ENABLED=1", "--runs", "6",
		"--workload", "tiny_hot", "--cycles", "1000000", "--size", "128", "--benchfmt", bench}))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if want := []string{"--cycles=1000000", "--size=128", "--workload=tiny_hot"}; !slices.Equal(f.opts.BenchArgs, want) {
		t.Errorf("children get %q, want %q", f.opts.BenchArgs, want)
	}
	if f.calls["A"] != 7 || f.calls["B"] != 7 || f.release != 1 {
		t.Errorf("runs A %d B %d, released %d: want 7 7 1", f.calls["A"], f.calls["B"], f.release)
	}
	golden.RequireEqual(t, out.String())
	stderr := errb.String()
	if !strings.Contains(stderr, " 0/14 runs") || !strings.Contains(stderr, " 14/14 runs") || !strings.HasSuffix(stderr, "\r\x1b[2K") {
		t.Errorf("stderr %q: want a bar from 0/14 to 14/14 runs, cleared at the end", stderr)
	}

	data, err := os.ReadFile(bench)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "BenchmarkHaktop/workload=tiny_hot/workers=1 1000000 "); n != 12 || !strings.Contains(string(data), "arm: A\n") || !strings.Contains(string(data), "arm: B\n") {
		t.Errorf("benchfmt file has %d results:\n%s", n, data)
	}

	f.calls = map[string]int{}
	code, js, errs := runCLI(t, "ab", "--a", "HAKMEM_POOL_V2_ENABLED=0", "--b", "HAKMEM_POOL_V2_ENABLED=1", "--runs", "6", "--json")
	if code != 0 || errs != "" {
		t.Fatalf("--json: exit %d, stderr %q", code, errs)
	}
	var rep ab.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("--json output is not a Report: %v\n%s", err, js)
	}
	if want := `"verdict": "NO-OP",` + "\n"; !strings.Contains(js, want) || strings.Contains(js, `\u003e`) {
		t.Errorf("--json output lacks %q or escapes '>':\n%s", want, js)
	}
	if rep.Verdict != ab.NoOp || len(rep.A.OpsPerSec) != 6 || rep.A.OpsPerSec[0] != 50.2e6 || rep.Paths[0].ID != "pool_v2_alloc" { // the warm-up took 50M
		t.Errorf("--json report: verdict %s, A runs %v, paths %+v", rep.Verdict, rep.A.OpsPerSec, rep.Paths)
	}
}

// --runs auto plans after the pilot, says so on stderr at once, and the
// report holds the plan; --expect with fixed runs says what it needs.
func TestABAuto(t *testing.T) {
	f := useFixedRunner(t)
	code, js, errs := runCLI(t, "ab", "--a", "HAKMEM_SS_MAX=0", "--b", "HAKMEM_SS_MAX=100", "--runs", "auto", "--expect", "1", "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var rep ab.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Auto == nil || rep.Auto.PilotRuns != 4 || rep.Auto.Plan.Runs != rep.Planned || rep.Planned < 4 ||
		rep.Resolution.MDEPercent == nil || rep.Resolution.Expect == nil || !rep.Design.Sequential() && rep.Planned >= 8 {
		t.Fatalf("report: auto %+v planned %d design %+v resolution %+v", rep.Auto, rep.Planned, rep.Design, rep.Resolution)
	}
	if runs := len(rep.A.OpsPerSec); f.calls["A"] != runs+1 || (runs != rep.Planned && rep.StoppedAt != runs) {
		t.Errorf("A ran %d times for %d measured runs, planned %d, stopped at %d", f.calls["A"], runs, rep.Planned, rep.StoppedAt)
	}
	if want := "haktop ab: " + ab.PlanLine(*rep.Auto) + "\n"; errs != want {
		t.Errorf("stderr %q, want %q", errs, want)
	}

	f.calls = map[string]int{}
	code, out, errs := runCLI(t, "ab", "--a", "HAKMEM_SS_MAX=0", "--b", "HAKMEM_SS_MAX=100", "--runs", "5", "--expect", "0.1", "--max-runs", "20")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "\nexpect +0.10%: at CV ") || !strings.Contains(out, "runs per arm for 80% power, more than --max-runs 20 (which resolve ") ||
		!strings.Contains(out, "this run has 5 runs per arm\n") {
		t.Errorf("--expect with --runs 5:\n%s", out)
	}
}

// SIGINT stops the comparison and reports what finished.
func TestABInterrupt(t *testing.T) {
	f := useFixedRunner(t)
	f.sigint = 9 // warm-ups, then 3 runs each, then SIGINT during A's 4th
	code, out, errs := runCLI(t, "ab", "--a", "HAKMEM_SS_MAX=0", "--b", "HAKMEM_SS_MAX=100", "--runs", "6")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "warning: interrupted: 3 of 6 runs of A and 3 of 6 runs of B finished\n") || !strings.Contains(out, "│ runs │\n├") {
		t.Errorf("report after SIGINT:\n%s", out)
	}
}

// End to end through the CLI with real `haktop bench` children.
func TestABRealChildren(t *testing.T) {
	if testing.Short() {
		t.Skip("builds haktop and runs real children; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "haktop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	saved := newABRunner
	newABRunner = func(ctx context.Context, a, b ab.Arm, opt ab.ExecOptions) (ab.Runner, func() error, error) {
		opt.Self = bin // the test binary is not haktop
		return saved(ctx, a, b, opt)
	}
	defer func() { newABRunner = saved }()
	for _, tc := range []struct {
		workload string
		noop     bool
	}{{"tiny_hot", true}, {"mid_pool", false}} {
		code, js, errs := runCLI(t, "ab", "--a", "HAKMEM_POOL_V2_ENABLED=0", "--b", "HAKMEM_POOL_V2_ENABLED=1",
			"--workload", tc.workload, "--cycles", "100000", "--runs", "4", "--json")
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d, stderr %q", tc.workload, code, errs)
		}
		var rep ab.Report
		if err := json.Unmarshal([]byte(js), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Workload != tc.workload || rep.Cycles != 100000 || (rep.Verdict == ab.NoOp) != tc.noop {
			t.Errorf("%s: workload %s cycles %d verdict %s (%s): want NO-OP %v", tc.workload, rep.Workload, rep.Cycles, rep.Verdict, rep.Reason, tc.noop)
		}
	}
}
