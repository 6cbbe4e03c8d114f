package ab

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target"
)

func TestExecuteInterleaves(t *testing.T) {
	f := newFake(1, "tiny_hot", 0.01)
	var progress [][2]int
	o, err := Execute(context.Background(), f, mustArm(t, "A", "", ""), mustArm(t, "B", "", ""),
		Options{Runs: 3, Progress: func(done, total int) { progress = append(progress, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A", "B", "A", "B", "A", "B", "A", "B"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls %v, want %v", f.calls, want)
	}
	if len(o.Runs) != 8 || !o.Runs[0].Warmup || !o.Runs[1].Warmup || o.Runs[2].Warmup {
		t.Errorf("runs %+v: want 2 warm-ups then 6 measured", o.Runs)
	}
	if len(o.Measured("A")) != 3 || len(o.Measured("B")) != 3 || o.Interrupted {
		t.Errorf("measured A %d B %d interrupted %v, want 3 3 false", len(o.Measured("A")), len(o.Measured("B")), o.Interrupted)
	}
	if len(progress) != 8 || progress[0] != [2]int{1, 8} || progress[7] != [2]int{8, 8} {
		t.Errorf("progress %v, want 1/8 .. 8/8", progress)
	}
}

// Cancelling (SIGINT in the CLI) mid-run discards the run in flight and
// reports what finished.
func TestExecuteInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake(1, "tiny_hot", 0.01)
	f.cancelAt, f.cancel = 7, cancel // warm-ups, A B A B, then A is cut short
	o, err := Execute(ctx, f, mustArm(t, "A", "", ""), mustArm(t, "B", "", ""), Options{Runs: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Interrupted || len(o.Runs) != 6 || len(o.Measured("A")) != 2 || len(o.Measured("B")) != 2 {
		t.Fatalf("interrupted %v, runs %d (A %d, B %d): want true, 6 (2, 2)", o.Interrupted, len(o.Runs), len(o.Measured("A")), len(o.Measured("B")))
	}
	rep, err := Analyze(o)
	if err != nil {
		t.Fatal(err)
	}
	// 2 runs each can never reach p < 0.05: UNDECIDED, not NEUTRAL.
	if rep.Verdict != Undecided || rep.Reason != "cannot decide with 2 runs per arm: the Mann-Whitney test cannot reach p < 0.05 with fewer than 4 runs per arm" || !rep.Interrupted || !slices.Contains(rep.Warnings, "interrupted: 2 of 10 runs of A and 2 of 10 runs of B finished") {
		t.Errorf("verdict %s (%s), warnings %q", rep.Verdict, rep.Reason, rep.Warnings)
	}

	// Interrupted during the warm-ups: nothing to compare, said plainly.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f = newFake(1, "tiny_hot", 0.01)
	f.cancelAt, f.cancel = 2, cancel
	o, err = Execute(ctx, f, mustArm(t, "A", "", ""), mustArm(t, "B", "", ""), Options{})
	if err != nil || !o.Interrupted || len(o.Runs) != 1 {
		t.Fatalf("err %v interrupted %v runs %d: want nil true 1", err, o.Interrupted, len(o.Runs))
	}
	if _, err := Analyze(o); err == nil || err.Error() != "no measured run finished for both arms (A 0, B 0): nothing to compare" {
		t.Errorf("Analyze: %v", err)
	}
}

// failingRunner fails its call number failAt, and reports a gate value no
// arm set on call number badGateAt.
type failingRunner struct{ n, failAt, badGateAt int }

func (r *failingRunner) Run(ctx context.Context, arm Arm) (profile.RunReport, error) {
	r.n++
	if r.n == r.failAt {
		return profile.RunReport{}, errors.New("exit status 2: bench: --ws 0 is not valid")
	}
	if r.n == r.badGateAt {
		return profile.RunReport{OpsPerSec: 1, Gates: profile.GateReports{{Gate: target.Gate{Env: "HAKMEM_POOL_V2_ENABLED", Value: "1"}}}}, nil
	}
	return profile.RunReport{OpsPerSec: 1}, nil
}

func TestExecuteChildErrors(t *testing.T) {
	a, b := mustArm(t, "A", "", ""), mustArm(t, "B", "", "")
	_, err := Execute(context.Background(), &failingRunner{badGateAt: 3}, a, b, Options{Runs: 2})
	if want := "arm A run 1 of 2: child ran with HAKMEM_POOL_V2_ENABLED=1, but the arm sets 0: the environment did not reach it"; err == nil || err.Error() != want {
		t.Errorf("err %v\nwant %s", err, want)
	}
	_, err = Execute(context.Background(), &failingRunner{failAt: 4}, a, b, Options{Runs: 2})
	if want := "arm B run 1 of 2: exit status 2: bench: --ws 0 is not valid"; err == nil || err.Error() != want {
		t.Errorf("err %v\nwant %s", err, want)
	}
	if _, err := Execute(context.Background(), &failingRunner{}, a, b, Options{Runs: -1}); err == nil || !strings.Contains(err.Error(), "want a positive number") {
		t.Errorf("runs -1: %v", err)
	}
}
