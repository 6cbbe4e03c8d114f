package ab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// binDir holds the haktop binary the end-to-end tests build once.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ab-test-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	haktopBin string
	buildErr  error
)

// haktop returns a haktop binary built once from this module's source.
func haktop(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs real haktop children; skipped with -short")
	}
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		src, err := moduleDir(context.Background(), goBin, "")
		if err != nil {
			buildErr = err
			return
		}
		haktopBin = filepath.Join(binDir, "haktop")
		cmd := exec.Command(goBin, "build", "-o", haktopBin, "./cmd/haktop")
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building haktop: %v", buildErr)
	}
	return haktopBin
}

// realCompare runs a real comparison with haktop children.
func realCompare(t *testing.T, a, b Arm, opt ExecOptions, runs int) (Report, Outcome) {
	t.Helper()
	r, err := NewExecRunner(context.Background(), a, b, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	o, err := Execute(context.Background(), r, a, b, Options{Runs: runs})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Analyze(o)
	if err != nil {
		t.Fatal(err)
	}
	return rep, o
}

// End to end: real `haktop bench --json` children. POOL_V2 on vs off never
// reaches the pool under tiny_hot (NO-OP); under mid_pool B takes the v2
// paths and A does not (not NO-OP).
func TestExecEndToEnd(t *testing.T) {
	bin := haktop(t)
	a := mustArm(t, "A", "HAKMEM_POOL_V2_ENABLED=0", "")
	b := mustArm(t, "B", "HAKMEM_POOL_V2_ENABLED=1", "")

	rep, _ := realCompare(t, a, b, ExecOptions{Self: bin, BenchArgs: []string{"--workload", "tiny_hot", "--cycles", "200000"}}, 3)
	if rep.Verdict != NoOp || rep.Workload != "tiny_hot" || rep.Cycles != 200000 || len(rep.A.OpsPerSec) != 3 {
		t.Fatalf("tiny_hot: verdict %s (%s), workload %s, cycles %d, runs %d", rep.Verdict, rep.Reason, rep.Workload, rep.Cycles, len(rep.A.OpsPerSec))
	}
	if !strings.Contains(rep.Reason, "pool_v2_alloc, pool_v2_free, pool_v2_fallback had zero hits") {
		t.Errorf("tiny_hot: reason %q does not name the v2 paths", rep.Reason)
	}

	rep, o := realCompare(t, a, b, ExecOptions{Self: bin, BenchArgs: []string{"--workload=mid_pool", "--cycles=100000"}}, 3)
	if rep.Verdict == NoOp {
		t.Fatalf("mid_pool: verdict NO-OP (%s)", rep.Reason)
	}
	hits := map[string][2]uint64{}
	for _, p := range rep.Paths {
		hits[p.ID] = [2]uint64{p.HitsA, p.HitsB}
	}
	// Every mid_pool block is a pool block, so with v2 on every one of the
	// workload's allocations enters pool_v2_alloc, and with it off none does.
	var allocsB uint64
	for _, r := range o.Measured("B") {
		allocsB += uint64(r.Allocs)
	}
	if h := hits["pool_v2_alloc"]; h[0] != 0 || h[1] != allocsB || allocsB == 0 {
		t.Errorf("mid_pool: pool_v2_alloc hits A %d B %d: want 0 and B's allocs, %d", h[0], h[1], allocsB)
	}
}

// A tagged arm is built from source; both arms are, so the tags are the only
// build difference. haktop_nostats children report no counters.
func TestExecTaggedBuild(t *testing.T) {
	haktop(t) // skip with -short, and fail early if the source does not build
	a := mustArm(t, "A", "", "")
	b := mustArm(t, "B", "", "haktop_nostats")
	r, err := NewExecRunner(context.Background(), a, b, ExecOptions{BenchArgs: []string{"--workload", "tiny_hot", "--cycles", "10000"}})
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Dir(r.Binary("B"))
	if filepath.Dir(r.Binary("A")) != tmp || r.Binary("A") == r.Binary("B") {
		t.Errorf("binaries %s and %s: want two binaries in one build dir", r.Binary("A"), r.Binary("B"))
	}
	ra, err := r.Run(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := r.Run(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if !ra.StatsCompiled || rb.StatsCompiled || ra.Cycles != 10000 || rb.Cycles != 10000 {
		t.Errorf("stats_compiled A %v B %v cycles %d %d: want true false 10000 10000", ra.StatsCompiled, rb.StatsCompiled, ra.Cycles, rb.Cycles)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("Close left %s behind (%v)", tmp, err)
	}
}

func TestExecChildFailure(t *testing.T) {
	bin := haktop(t)
	a := mustArm(t, "A", "", "")
	r, err := NewExecRunner(context.Background(), a, mustArm(t, "B", "", ""), ExecOptions{Self: bin, BenchArgs: []string{"--ws", "0"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Run(context.Background(), a)
	if err == nil || !strings.HasPrefix(err.Error(), "haktop bench --json --ws 0: exit status 2: haktop: --ws 0 is not valid") {
		t.Errorf("err %v", err)
	}
}

func TestExecBuildErrors(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain")
	}
	a, b := mustArm(t, "A", "", ""), mustArm(t, "B", "", "haktop_nostats")

	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewExecRunner(context.Background(), a, b, ExecOptions{Src: other})
	if want := "arm B has build tags (haktop_nostats), which needs the haktop source to build from: --src " + other +
		" holds module example.com/other, not github.com/haktop/haktop: run ab from the haktop source tree or pass --src DIR"; err == nil || err.Error() != want {
		t.Errorf("other module:\n got %v\nwant %s", err, want)
	}

	t.Chdir(t.TempDir()) // outside any module
	t.Setenv("GOFLAGS", "")
	_, err = NewExecRunner(context.Background(), a, b, ExecOptions{})
	if err == nil || !strings.Contains(err.Error(), "the working directory is not inside a Go module") || !strings.Contains(err.Error(), "pass --src DIR") {
		t.Errorf("outside a module: %v", err)
	}

	t.Setenv("PATH", t.TempDir()) // no go here
	_, err = NewExecRunner(context.Background(), a, b, ExecOptions{})
	if want := "arm B has build tags (haktop_nostats), which needs a Go toolchain to build it, but no go command is in PATH: install Go or drop --tags-b"; err == nil || err.Error() != want {
		t.Errorf("no toolchain:\n got %v\nwant %s", err, want)
	}
}

func TestChildEnv(t *testing.T) {
	parent := []string{"PATH=/bin", "HAKMEM_POOL_V2_ENABLED=1", "HOME=/root", "HAKMEM_PROFILE=lean", "hakmem_ss_max=2", "MY_HAKMEM=1"}
	got := childEnv(parent, []string{"HAKMEM_SS_MAX=4"})
	if want := []string{"PATH=/bin", "HOME=/root", "MY_HAKMEM=1", "HAKMEM_SS_MAX=4"}; !slices.Equal(got, want) {
		t.Errorf("childEnv = %q, want %q", got, want)
	}
	if got, want := Dropped(parent), []string{"HAKMEM_POOL_V2_ENABLED", "HAKMEM_PROFILE", "hakmem_ss_max"}; !slices.Equal(got, want) {
		t.Errorf("Dropped = %q, want %q", got, want)
	}
}

func TestDecodeReport(t *testing.T) {
	rep, err := decodeReport("x", []byte(`{"workload":"tiny_hot","ops_per_sec":5,"unknown_field":1}`+"\n"))
	if err != nil || rep.Workload != "tiny_hot" || rep.OpsPerSec != 5 {
		t.Errorf("one object: %+v, %v", rep, err)
	}
	if _, err := decodeReport("x", []byte(`{"ops_per_sec":5} {"ops_per_sec":6}`)); err == nil || err.Error() != "x printed more than one JSON object: want exactly one report" {
		t.Errorf("two objects: %v", err)
	}
	if _, err := decodeReport("x", []byte("class  size\nC0 8\n")); err == nil || !strings.HasPrefix(err.Error(), `x printed no JSON report (`) || !strings.HasSuffix(err.Error(), `: "class  size"`) {
		t.Errorf("table: %v", err)
	}
}
