package profile

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/targettest"
	"github.com/haktop/haktop/workload"
)

// goldenResult is a fixed finished run of random_mixed.
func goldenResult() workload.Result {
	spec := workload.DefaultSpec(workload.RandomMixed)
	spec.Cycles, spec.Seed = 4000, 42
	return workload.Result{Spec: spec, Cycles: 4000, Allocs: 2100, Frees: 1900, Drained: 200, Elapsed: 2 * time.Millisecond}
}

// requireGoldenJSON checks rep's indented JSON against the test's golden
// file, byte for byte, and that it survives a round trip through RunReport.
func requireGoldenJSON(t *testing.T, rep RunReport) {
	t.Helper()
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, string(b)+"\n")
	var back RunReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.MarshalIndent(back, "", "  "); string(again) != string(b) {
		t.Errorf("the report does not survive a JSON round trip:\n%s", again)
	}
}

// TestRunReportJSONGolden pins the document `haktop bench --json` prints
// (and ab and .ci/checkjson read) for a fixed run of the embedded
// allocator under pool v2 on P0 and P2: every field, in order, byte for
// byte (go test ./profile -run RunReportJSONGolden -update).
func TestRunReportJSONGolden(t *testing.T) {
	cfg := config(t, v2, "1", "HAKMEM_POOL_V2_CLASSES", "0x05")
	schema := embedded.Schema(cfg)
	schema.Counted = true // the fixed snapshot is one of a build with counters, whatever this build is
	a := goldenSnapshot()
	snap := schema.NewSnapshot()
	embedded.Snapshot(&a, &snap)
	requireGoldenJSON(t, NewRunReport(&schema, snap, goldenResult(), nil, true))
}

// TestRunReportOfTheFakeTarget: the report of targettest's fake has its
// three classes with its two counters, its two paths and its one gate with
// the verdicts, and its one invalid kind and gauge (golden).
func TestRunReportOfTheFakeTarget(t *testing.T) {
	s := targettest.Schema("1")
	res := workload.Result{Spec: workload.Spec{Name: "fake_loop", Workers: 1}, Cycles: 24000, Allocs: 12000, Frees: 12000, Elapsed: 3 * time.Millisecond}
	rep := NewRunReport(&s, targettest.Snapshot(&s, 2, true), res, []int64{3, 1}, true)
	if got := rep.Classes[2]; got.Class != "huge" || got.Size != 4097 || got.Count("mallocs") != 6000 || got.Count("frees") != 6000 || got.Count("alloc_calls") != 0 {
		t.Errorf("class huge = %+v, want size 4097 (unbounded: its smallest request) and 6000 mallocs and frees", got)
	}
	if g := rep.Gates[0]; g.Env != targettest.GateEnv || g.Verdict != Active || g.Paths[0].Hits != 4000 || g.Paths[0].Samples != 1 {
		t.Errorf("gate %+v, want FAKE_TURBO ACTIVE with turbo's 4000 hits and 1 sample", g)
	}
	requireGoldenJSON(t, rep)
}
