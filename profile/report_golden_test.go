package profile

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// goldenResult is a fixed finished run of random_mixed.
func goldenResult() workload.Result {
	spec := workload.DefaultSpec(workload.RandomMixed)
	spec.Cycles, spec.Seed = 4000, 42
	return workload.Result{Spec: spec, Cycles: 4000, Allocs: 2100, Frees: 1900, Drained: 200, Elapsed: 2 * time.Millisecond}
}

// TestRunReportJSONGolden pins the document `haktop bench --json` prints
// (and ab and .ci/checkjson read) for a fixed run of the embedded
// allocator under pool v2 on P0 and P2: every field, in order, byte for
// byte (go test ./profile -run RunReportJSONGolden -update).
func TestRunReportJSONGolden(t *testing.T) {
	cfg := config(t, v2, "1", "HAKMEM_POOL_V2_CLASSES", "0x05")
	rep := NewRunReport(goldenResult(), goldenSnapshot(), cfg)
	schema := embedded.Schema(cfg)
	rep.Annotate(&schema, true)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, string(b)+"\n")
	var back RunReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.MarshalIndent(back, "", "  ")
	if string(again) != string(b) {
		t.Errorf("the report does not survive a JSON round trip:\n%s", again)
	}
}
