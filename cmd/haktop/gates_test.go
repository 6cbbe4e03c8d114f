package main

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target/embedded"
)

// gatesJSON runs `haktop gates --json args...` with env set and returns the
// verdict of gate env.
func gatesJSON(t *testing.T, env map[string]string, args ...string) gatesDoc {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	code, out, errs := runCLI(t, append([]string{"gates", "--json"}, args...)...)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var doc gatesDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	return doc
}

func verdictOf(t *testing.T, doc gatesDoc, env string) profile.GateVerdict {
	t.Helper()
	for _, g := range doc.Gates {
		if g.Env == env {
			return g
		}
	}
	t.Fatalf("no gate %s in %+v", env, doc.Gates)
	return profile.GateVerdict{}
}

// Issue 5's ground truth through the command line.
func TestGatesGroundTruth(t *testing.T) {
	if !statsCompiled(t) {
		t.Skip("counters compiled out: verdicts rest on CPU samples alone")
	}
	const v2 = "HAKMEM_POOL_V2_ENABLED"
	on := map[string]string{v2: "1"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		gate string
		want profile.Verdict
	}{
		{"v2 tiny_hot", on, []string{"--workload", "tiny_hot", "--cycles", "300000"}, v2, profile.NeverExecuted},
		{"v2 mid_pool", on, []string{"--workload", "mid_pool", "--cycles", "300000"}, v2, profile.Active},
		{"v2 without P0 random_mixed", map[string]string{v2: "1", "HAKMEM_POOL_V2_CLASSES": "0x7E"}, []string{"--cycles", "300000"}, "HAKMEM_POOL_V2_CLASSES", profile.NeverExecuted},
		{"default mid_pool", nil, []string{"--workload", "mid_pool", "--duration", "200ms"}, v2, profile.Off},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := gatesJSON(t, tc.env, tc.args...)
			if g := verdictOf(t, doc, tc.gate); g.Verdict != tc.want {
				t.Errorf("%s = %s, want %s: %+v", tc.gate, g.Verdict, tc.want, g.Paths)
			}
			if !doc.WarmedUp || doc.Cycles == 0 {
				t.Errorf("run: warmed_up %v, cycles %d", doc.WarmedUp, doc.Cycles)
			}
			var bp int64
			for _, r := range doc.Attribution.Rows {
				bp += r.BasisPoints
			}
			if doc.CPUSamples != doc.Attribution.Samples || (doc.CPUSamples > 0 && bp != 10000) {
				t.Errorf("cpu_samples %d, attribution %d samples summing to %d basis points", doc.CPUSamples, doc.Attribution.Samples, bp)
			}
		})
	}
}

// TestGatesTextGolden pins the human rendering of a fixed document: one
// gate OFF by another, one path IDLE, one gate NEVER EXECUTED, one
// INCONSISTENT.
func TestGatesTextGolden(t *testing.T) {
	cfg := allocator.DefaultConfig()
	for env, v := range map[string]string{"HAKMEM_POOL_V2_CLASSES": "0", "HAKMEM_SS_MAX": "8"} {
		if err := cfg.Set(env, v); err != nil {
			t.Fatal(err)
		}
	}
	ev := profile.Evidence{Counted: true, Settled: true, Hits: make([]uint64, allocator.NumPaths), Samples: make([]int64, allocator.NumPaths)}
	ev.Hits[allocator.PathTinyFast] = 1000
	ev.Hits[allocator.PathTinyRefill], ev.Samples[allocator.PathTinyRefill] = 12, 2
	ev.Hits[allocator.PathPoolV2Free] = 3
	schema := embedded.Schema(cfg)
	doc := gatesDoc{
		Workload: "random_mixed", Workers: 1, Cycles: 1000, Seconds: 0.5, WarmedUp: true, CPUSamples: 50,
		Gates: profile.Verdicts(&schema, ev),
		Attribution: profile.Attribution{Samples: 50, Rows: []profile.Row{
			{Key: "dispatch", BasisPoints: 7600}, {Key: "workload", BasisPoints: 1500}, {Key: "runtime/GC", BasisPoints: 500}, {Key: "tiny_refill", BasisPoints: 400},
		}},
	}
	var out bytes.Buffer
	io.WriteString(colorprofile.NewWriter(&out, nil), gatesText(doc)) // as run prints to a non-terminal
	golden.RequireEqual(t, out.String())
	if err := inconsistentError(doc.Gates); err == nil || err.Error() != "INCONSISTENT: paths ran although their gate switches them off: HAKMEM_POOL_V2_ENABLED pool_v2_free, HAKMEM_POOL_V2_CLASSES pool_v2_free" {
		t.Errorf("inconsistentError = %v", err)
	}
}

func TestGatesAudit(t *testing.T) {
	testdata := filepath.Join("..", "..", "profile", "testdata", "audit")
	code, out, errs := runCLI(t, "gates", "--audit", filepath.Join(testdata, "mixed"))
	if code != 1 || !strings.HasPrefix(errs, "haktop: 6 HAKMEM_* reads not declared in the gate registry (allocator/gates.go): HAKMEM_EXTERNAL_TEST (") {
		t.Errorf("mixed: exit %d, stderr %q", code, errs)
	}
	golden.RequireEqual(t, out)

	code, out, errs = runCLI(t, "gates", "--audit", filepath.Join(testdata, "clean"))
	if code != 0 || errs != "" || !strings.Contains(out, "2 HAKMEM_* reads declared, 0 undeclared, 0 unresolved") {
		t.Errorf("clean: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	code, out, errs = runCLI(t, "gates", "--audit", "--json", filepath.Join(testdata, "clean"))
	var reads []profile.EnvRead
	if err := json.Unmarshal([]byte(out), &reads); code != 0 || errs != "" || err != nil || len(reads) != 2 || reads[0].Name != "HAKMEM_POOL_V2_ENABLED" {
		t.Errorf("clean --json: exit %d, err %v, reads %+v, stderr %q", code, err, reads, errs)
	}

	// The repository itself: what .ci/run guards.
	if code, out, errs := runCLI(t, "gates", "--audit", filepath.Join("..", "..")); code != 0 || errs != "" {
		t.Errorf("repo audit: exit %d\n%s%s", code, out, errs)
	}
}

func TestGatesUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gates", "extra"}, `haktop: gates takes no arguments (got "extra"); to audit a directory: haktop gates --audit DIR`},
		{[]string{"gates", "--audit", "a", "b"}, "haktop: gates --audit takes at most one DIR (got 2 arguments): haktop gates --audit [DIR]"},
		{[]string{"gates", "--audit", "--workload", "tiny_hot"}, "haktop: --workload does not go with --audit, which reads source and runs no workload: give one or the other"},
		{[]string{"gates", "--audit", "no/such/dir"}, `haktop: DIR "no/such/dir" is not valid: want a directory of Go source (default ".")`},
		{[]string{"gates", "--workload", "nope"}, `haktop: --workload "nope" is not valid: want one of random_mixed, tiny_hot, mid_pool, larson, large`},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != 2 || out != "" || errs != tc.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q\nwant exit 2, %q", tc.args, code, out, errs, tc.want)
		}
	}
}

// bench --json carries the verdicts: each gate a verdict and one per path.
func TestBenchJSONVerdicts(t *testing.T) {
	if !statsCompiled(t) {
		t.Skip("counters compiled out: no hits to judge by")
	}
	t.Setenv("HAKMEM_POOL_V2_ENABLED", "1")
	code, out, errs := runCLI(t, "bench", "--json", "--workload", "tiny_hot", "--cycles", "100000")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var rep profile.RunReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, g := range rep.Gates {
		if g.Verdict == "" || len(g.Paths) != len(g.Gate.Paths) {
			t.Errorf("%s: verdict %q, %d path verdicts for %d paths", g.Env, g.Verdict, len(g.Paths), len(g.Gate.Paths))
		}
	}
	v2 := rep.Gates[4]
	if v2.Env != "HAKMEM_POOL_V2_ENABLED" || v2.Verdict != profile.NeverExecuted || v2.Paths[0].Path != "pool_v2_alloc" || v2.Paths[0].Verdict != profile.NeverExecuted {
		t.Errorf("v2 under tiny_hot: %+v", v2)
	}
	if !strings.Contains(out, `"verdict": "NEVER EXECUTED"`) || !strings.Contains(out, `"path_verdicts": [`) {
		t.Errorf("JSON lacks the verdict fields:\n%s", out)
	}
}

// TestGatesVerdictsRestOnPathEvidence runs gates as a user would. Under
// mid_pool no tiny block is used, so HAKMEM_TINY_CACHE_CAP is NEVER
// EXECUTED however many CPU samples land in Alloc and Free (shared entry
// code, the dispatch row), and no path is ACTIVE on 0 hits. On default
// settings random_mixed prints no NEVER EXECUTED warning.
func TestGatesVerdictsRestOnPathEvidence(t *testing.T) {
	if !statsCompiled(t) {
		t.Skip("counters compiled out: no hits to judge by")
	}
	code, out, errs := runCLI(t, "gates", "--json", "--workload", "mid_pool", "--duration", "400ms")
	if code != 0 || errs != "" {
		t.Fatalf("mid_pool: exit %d, stderr %q", code, errs)
	}
	var doc gatesDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, g := range doc.Gates {
		if g.Env == "HAKMEM_TINY_CACHE_CAP" && g.Verdict != profile.NeverExecuted {
			t.Errorf("mid_pool: HAKMEM_TINY_CACHE_CAP %s, want NEVER EXECUTED: %+v", g.Verdict, g.Paths)
		}
		for _, p := range g.Paths {
			if p.Verdict == profile.Active && p.Hits == 0 {
				t.Errorf("mid_pool: %s %s ACTIVE on 0 hits (%d samples)", g.Env, p.Path, p.Samples)
			}
		}
	}
	if r, _ := doc.Attribution.Row(profile.KeyDispatch); doc.Attribution.Rows[allocator.PathTinyFast].Samples != 0 {
		t.Errorf("mid_pool: %d samples on tiny_fast (dispatch %d)", doc.Attribution.Rows[allocator.PathTinyFast].Samples, r.Samples)
	}

	code, out, errs = runCLI(t, "gates", "--cycles", "2000000")
	if code != 0 || errs != "" || strings.Contains(out, "NEVER EXECUTED") {
		t.Errorf("default settings, random_mixed: exit %d, stderr %q, a NEVER EXECUTED reading:\n%s", code, errs, out)
	}
}

// TestGatesShortFinishedRunIsFinal: a run that finishes in well under
// WarmUp did all it was asked, so its zeros are final (README: WARMING UP
// only for a run interrupted before 250ms).
func TestGatesShortFinishedRunIsFinal(t *testing.T) {
	if !statsCompiled(t) {
		t.Skip("counters compiled out: no hits to judge by")
	}
	t.Setenv("HAKMEM_POOL_V2_ENABLED", "1")
	code, out, errs := runCLI(t, "gates", "--json", "--workload", "tiny_hot", "--cycles", "1000")
	var doc gatesDoc
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || errs != "" || err != nil {
		t.Fatalf("exit %d, stderr %q, %v", code, errs, err)
	}
	if doc.Seconds >= profile.WarmUp.Seconds() {
		t.Skipf("1000 cycles took %.3fs, not a short run", doc.Seconds)
	}
	for _, g := range doc.Gates {
		if g.Env == "HAKMEM_POOL_V2_ENABLED" && (g.Verdict != profile.NeverExecuted || !doc.WarmedUp) {
			t.Errorf("finished %.3fs run: %s %s (warmed_up %v), want NEVER EXECUTED", doc.Seconds, g.Env, g.Verdict, doc.WarmedUp)
		}
	}
}
