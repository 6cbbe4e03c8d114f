package main

// Tests of `report`, `diff` and `export` on a recorded command: it is read
// in its own schema (the jemalloc bins, or the shim's request classes) by
// the one reader and reported by the one report, its counts printed
// exactly, with nothing of the embedded allocator's layout.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/ctest"
)

// recordRandomMixed records random_mixed.c under jemalloc with the given
// extra record flags and returns the file and the allocs it printed.
func recordRandomMixed(t *testing.T, flags ...string) (string, uint64) {
	t.Helper()
	ctest.Jemalloc.Need(t)
	progs := cProgs(t)
	out := filepath.Join(t.TempDir(), "rm.jsonl")
	args := append([]string{"record", "-o", out, "--interval", "10ms", "--preload", ctest.Jemalloc.Lib}, flags...)
	args = append(args, "--", progs["random_mixed"], "300000", "1024", "42")
	if code, _, stderr := runCLI(t, args...); code != 0 || stderr != "" {
		t.Fatalf("record: exit %d, stderr %q", code, stderr)
	}
	printed := ctest.RandomMixedIn(t, out+".out")
	return out, printed.Allocs
}

// commandReport is the part of report --json these tests read.
type commandReport struct {
	Exit     *sampler.Exit
	Complete bool
	Warnings []string
	Schema   target.Schema
	Classes  []map[string]any
}

// count returns class c's total of the counter called name.
func (r commandReport) count(c int, name string) uint64 {
	v, _ := r.Classes[c][name].(float64)
	return uint64(v)
}

// reportCommandOf runs report and report --json on file and checks what
// holds for every command recording: exit 0, nothing on stderr, none of
// the embedded allocator's rows or gates; it returns the text and the doc.
func reportCommandOf(t *testing.T, file string) (string, commandReport) {
	t.Helper()
	code, text, stderr := runCLI(t, "report", file)
	if code != 0 || stderr != "" {
		t.Fatalf("report: exit %d, stderr %q", code, stderr)
	}
	for _, bad := range []string{"unknown to this haktop", "no allocator calls recorded", "HAKMEM_", "pool_v2", "\nops "} {
		if strings.Contains(text, bad) {
			t.Errorf("report holds %q, of the embedded allocator's layout:\n%s", bad, text)
		}
	}
	code, js, stderr := runCLI(t, "report", "--json", file)
	if code != 0 || stderr != "" {
		t.Fatalf("report --json: exit %d, stderr %q", code, stderr)
	}
	var doc commandReport
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Exit == nil || doc.Exit.Code != 0 || !doc.Complete || len(doc.Warnings) != 0 || len(doc.Classes) != len(doc.Schema.Classes) {
		t.Errorf("report --json: exit %+v, complete %v, warnings %q, %d classes of %d", doc.Exit, doc.Complete, doc.Warnings, len(doc.Classes), len(doc.Schema.Classes))
	}
	// every class that counted a call is a row of the text table, with each
	// column's total as --json has it
	cols := classColumns(&doc.Schema)
	hasFast := doc.Schema.Has(target.RoleCalls) && doc.Schema.Has(target.RoleFast)
	for c, cl := range doc.Schema.Classes {
		if k := doc.Schema.CounterOf(target.RoleCalls); k >= 0 && doc.count(c, doc.Schema.Counters[k].Name) == 0 {
			continue
		}
		row := `(?m)^│ ` + regexp.QuoteMeta(cl.Name) + `\s+│[^│]+│`
		for i, col := range cols {
			row += fmt.Sprintf(`\s+%d │`, doc.count(c, doc.Schema.Counters[col.k].Name))
			if i == 0 && col.role == target.RoleCalls && hasFast {
				row += `[^│]+│`
			}
		}
		if !regexp.MustCompile(row).MatchString(text) {
			t.Errorf("no row %s in the report:\n%s", row, text)
		}
	}
	return text, doc
}

// TestReportCommandRequests: with --counters requests, the request
// classes of random_mixed's sizes (C1..P0) count exactly the allocs it
// printed, and report prints them.
func TestReportCommandRequests(t *testing.T) {
	file, allocs := recordRandomMixed(t, "--counters", "requests")
	text, doc := reportCommandOf(t, file)
	if doc.Schema.Target != "requests" {
		t.Fatalf("target %q", doc.Schema.Target)
	}
	var calls uint64
	for c := 1; c < 9; c++ { // C1..P0
		calls += doc.count(c, "alloc_calls")
	}
	if calls != allocs {
		t.Errorf("C1..P0: %d alloc_calls reported, want the %d allocs it printed", calls, allocs)
	}
	if !strings.Contains(text, "\ntarget    requests: 16 classes x 4 counters, 0 paths (its own schema)\n") ||
		!regexp.MustCompile(`│ class │ size +│ alloc_calls │ free +│ alloc_bytes │ alloc_fail │ alloc/s +│ peak/s +│`).MatchString(text) {
		t.Errorf("report does not name the request classes' schema:\n%s", text)
	}
}

// TestReportCommandJemalloc: by default the jemalloc bins are recorded;
// jemalloc merges a thread's cache counts at fills and flushes, so the
// bins of random_mixed's sizes (16..1039 bytes) count at most the allocs
// it printed, and at least 90% of them (as target/shim's test bounds it).
func TestReportCommandJemalloc(t *testing.T) {
	file, allocs := recordRandomMixed(t)
	text, doc := reportCommandOf(t, file)
	if doc.Schema.Target != "jemalloc" {
		t.Fatalf("target %q", doc.Schema.Target)
	}
	var req uint64
	for c, cl := range doc.Schema.Classes {
		if cl.Max >= 16 && cl.Min <= 1039 {
			req += doc.count(c, "nrequests")
		}
	}
	if req > allocs || req < allocs*9/10 {
		t.Errorf("the bins 16..1039 count %d nrequests for the %d allocs it printed: want at most as many, and 90%% at least", req, allocs)
	}
	if !regexp.MustCompile(`│ class │ size +│ nrequests │ fast % │`).MatchString(text) {
		t.Errorf("report does not show the bins' counters:\n%s", text)
	}
	// diff and export read it as report does: a diff with itself changes nothing.
	code, stdout, stderr := runCLI(t, "diff", file, file)
	if code != 0 || stderr != "" || strings.Contains(stdout, "unfair") || !strings.Contains(stdout, "alloc/s") {
		t.Errorf("diff: exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
	out := filepath.Join(t.TempDir(), "p.pb.gz")
	if code, stdout, stderr := runCLI(t, "export", file, "-o", out); code != 0 || stderr != "" || !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("export: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestReportCommandGolden: the report of a recorded command (written
// here, so it is the same every run) in text and JSON, byte for byte: a
// row per class with each counter the schema declares, fast % from its
// roles, its path and gate, no embedded-allocator rows.
func TestReportCommandGolden(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cmd.jsonl")
	writeCommand(t, file, 1)
	for _, c := range []struct{ name, flag string }{{"text", ""}, {"json", "--json"}} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"report", file}
			if c.flag != "" {
				args = append(args, c.flag)
			}
			code, out, stderr := runCLI(t, args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			golden.RequireEqual(t, strings.ReplaceAll(out, file, "cmd.jsonl"))
		})
	}
}
