package ab

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/haktop/haktop/profile"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// goldenOutcome is a fixed comparison: tiny_hot, POOL_V2 off vs on, with
// hand-picked throughputs (B about 1% slower) and zero v2 hits.
func goldenOutcome(t *testing.T) Outcome {
	a := []float64{50.1e6, 50.4e6, 49.8e6, 50.2e6, 50.0e6, 50.3e6}
	b := []float64{49.6e6, 49.9e6, 49.5e6, 49.7e6, 49.8e6, 49.4e6}
	return fixedOutcome(t, "tiny_hot", "HAKMEM_POOL_V2_ENABLED=0", "HAKMEM_POOL_V2_ENABLED=1", a, b)
}

// fixedOutcome returns a comparison of the fake's workload whose measured
// runs have exactly the throughputs a and b.
func fixedOutcome(t *testing.T, wl, specA, specB string, a, b []float64) Outcome {
	o := Outcome{A: mustArm(t, "A", specA, ""), B: mustArm(t, "B", specB, ""), Planned: max(len(a), len(b))}
	f := newFake(0, wl, 0)
	for i := -1; i < o.Planned; i++ {
		for _, arm := range []Arm{o.A, o.B} {
			if i >= 0 && (arm.Name == "A" && i >= len(a) || arm.Name == "B" && i >= len(b)) {
				continue
			}
			rep, err := f.Run(t.Context(), arm)
			if err != nil {
				t.Fatal(err)
			}
			if i >= 0 {
				ops := a[i]
				if arm.Name == "B" {
					ops = b[i]
				}
				rep.OpsPerSec, rep.Seconds = ops, float64(rep.Cycles)/ops
			}
			o.Runs = append(o.Runs, Run{Arm: arm.Name, Warmup: i < 0, Report: rep})
		}
	}
	return o
}

// reportText analyzes o and returns the report and its text.
func reportText(t *testing.T, o Outcome) (Report, string) {
	t.Helper()
	rep, err := Analyze(o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteText(plain(&buf), rep); err != nil {
		t.Fatal(err)
	}
	return rep, buf.String()
}

// plain writes through to w as a pipe would get it: no styles.
func plain(w io.Writer) io.Writer {
	return &colorprofile.Writer{Forward: w, Profile: colorprofile.NoTTY}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestWriteTextGolden(t *testing.T) {
	_, text := reportText(t, goldenOutcome(t))
	golden(t, "noop.txt", []byte(text))
}

// A GO verdict from a noisy, interrupted mid_pool comparison: the NO-OP rule
// line, the CV warning and the interruption all show.
func TestWriteTextGoldenWarnings(t *testing.T) {
	a := []float64{40.0e6, 41.5e6, 39.0e6, 40.7e6, 42.0e6, 38.9e6, 40.2e6}
	b := []float64{44.0e6, 43.1e6, 45.2e6, 44.4e6, 43.8e6, 44.9e6}
	o := fixedOutcome(t, "mid_pool", "HAKMEM_POOL_V2_ENABLED=0", "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_PAGES=256", a, b)
	o.Planned, o.Interrupted = 10, true
	_, text := reportText(t, o)
	golden(t, "go_noisy.txt", []byte(text))
}

// A --runs auto comparison that stopped at its first early-stop look: the
// plan (capped by --max-runs), the looks, the 99.8% interval of that look
// and the early stop all show.
func TestWriteTextGoldenAutoStopped(t *testing.T) {
	a := make([]float64, 13)
	b := make([]float64, 13)
	for i := range a {
		a[i] = 40e6 + float64(i%5)*0.3e6
		b[i] = 46e6 + float64(i%4)*0.4e6
	}
	o := fixedOutcome(t, "mid_pool", "HAKMEM_POOL_V2_ENABLED=0", "HAKMEM_POOL_V2_ENABLED=1", a, b)
	o.Planned, o.Design, o.StoppedAt, o.Expect, o.MaxRuns = 50, SequentialDesign(50), 13, 1, 50
	o.Auto = &AutoPlan{PilotRuns: 4, Plan: Plan(1, 0.03, 50, true)}
	_, text := reportText(t, o)
	golden(t, "auto_stopped.txt", []byte(text))
}

// The benchfmt file is byte-exact, and reading it back gives every measured
// run's arm and ops/s exactly.
func TestWriteBenchfmtRoundTrip(t *testing.T) {
	o := goldenOutcome(t)
	rep, err := Analyze(o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, o, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, "noop.bench", buf.Bytes())

	r := benchfmt.NewReader(bytes.NewReader(buf.Bytes()), "noop.bench")
	var got []Run
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			ops, ok := rec.Value("ops/s")
			if !ok {
				t.Fatalf("result without ops/s: %v", rec.Name)
			}
			got = append(got, Run{Arm: rec.GetConfig("arm"), Report: profile.RunReport{OpsPerSec: ops, Cycles: int64(rec.Iters)}})
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		}
	}
	if want := fmt.Sprintf("mde: %.2f%%\nmde-power: 80%%\narm: A\n", *rep.Resolution.MDEPercent); !strings.Contains(buf.String(), want) {
		t.Errorf("benchfmt file lacks the config lines %q", want)
	}
	if r.Units().GetBetter("ops/s") != 1 {
		t.Errorf("ops/s is not marked better=higher")
	}
	var want []Run
	for _, name := range []string{"A", "B"} {
		for _, rep := range o.Measured(name) {
			want = append(want, Run{Arm: name, Report: profile.RunReport{OpsPerSec: rep.OpsPerSec, Cycles: rep.Cycles}})
		}
	}
	if len(got) != len(want) {
		t.Fatalf("read back %d results, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Arm != want[i].Arm || got[i].Report.OpsPerSec != want[i].Report.OpsPerSec || got[i].Report.Cycles != want[i].Report.Cycles {
			t.Errorf("result %d: arm %s ops/s %v iters %d, want %s %v %d", i, got[i].Arm, got[i].Report.OpsPerSec, got[i].Report.Cycles,
				want[i].Arm, want[i].Report.OpsPerSec, want[i].Report.Cycles)
		}
	}
}

// benchstat itself reads the file and agrees with Analyze: same medians,
// same delta and p-value.
func TestBenchstatReadsBenchfmt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	path := filepath.Join(t.TempDir(), "ab.bench")
	rep, err := Analyze(goldenOutcome(t))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, goldenOutcome(t), rep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goBin, "run", "golang.org/x/perf/cmd/benchstat", "-col", "arm", path).CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat: %v\n%s", err, out)
	}
	want := fmt.Sprintf("%s ± 1%%   %s ± 1%%  %+.2f%% (p=%.3f n=6)", benchunit.Scale(rep.A.Median, benchunit.Decimal),
		benchunit.Scale(rep.B.Median, benchunit.Decimal), rep.Delta.Percent, rep.Delta.P)
	if !strings.Contains(string(out), want) {
		t.Errorf("benchstat output lacks %q:\n%s", want, out)
	}
}
