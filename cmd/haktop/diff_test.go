package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/workload"
)

func TestDiffGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(a, b string) []string
	}{
		{"unfair", func(a, b string) []string { return []string{"diff", a, b} }},
		{"same", func(a, b string) []string { return []string{"diff", a, a} }},
		{"json", func(a, b string) []string { return []string{"diff", a, b, "--json"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, a, b := fixtures(t)
			requireGolden(t, dir, tc.args(a, b)...)
		})
	}
}

// TestDiffFlagsEveryDifference checks the unfair-comparison list exactly:
// the gate B's environment set, the ws flag, and B's mid-session restart.
func TestDiffFlagsEveryDifference(t *testing.T) {
	dir, a, b := fixtures(t)
	_, out, _ := runIn(t, dir, "diff", a, b, "--json")
	var doc diffJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"gate HAKMEM_POOL_V2_ENABLED is 0 (default) in A, 1 (env) in B",
		"workload --ws is 8192 in A, 4096 in B",
		"gates changed during B at 1.4s: HAKMEM_POOL_V2_ENABLED set to 0",
	}
	if len(doc.Unfair) != len(want) {
		t.Fatalf("unfair = %q, want %q", doc.Unfair, want)
	}
	for i := range want {
		if doc.Unfair[i] != want[i] {
			t.Errorf("unfair[%d] = %q, want %q", i, doc.Unfair[i], want[i])
		}
	}
	// P0 (class 8) makes 4M calls per 250 ms tick in A, twice that in tick
	// 3: 9 ticks' worth over 2 s. B's ticks are bigger, so its rate is up.
	p0, calls := doc.Classes[8], doc.Classes[8].diff("alloc_calls")
	if p0["class"] != "P0" || calls.A != 9*4_000_000/2.0 || calls.Delta == nil || *calls.Delta <= 0 {
		t.Errorf("P0 calls = %+v", calls)
	}
	if same := newDiff(mustLoad(t, filepath.Join(dir, a)), mustLoad(t, filepath.Join(dir, a))); len(same.Unfair) != 0 || len(same.Notes) != 0 || *same.Ops.Delta != 0 {
		t.Errorf("a vs a: unfair %q, notes %q, ops delta %v", same.Unfair, same.Notes, *same.Ops.Delta)
	}
}

// TestDiffSmallRates: A's C3 makes 3 allocs in 10 s (0.3/s), B's none. The
// row must not read "0 0 -100.0%": A's rate prints as "<1".
func TestDiffSmallRates(t *testing.T) {
	dir := t.TempDir()
	for name, calls := range map[string]uint64{"a.jsonl": 3, "b.jsonl": 0} {
		h := sampler.Header{Start: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Interval: 10 * time.Second, StatsCompiled: true,
			Workload: workload.DefaultSpec(workload.TinyHot), Gates: gateValues(allocator.DefaultConfig())}
		rec, err := sampler.Create(filepath.Join(dir, name), h)
		if err != nil {
			t.Fatal(err)
		}
		var snap allocator.Snapshot
		snap.Classes[3].AllocCalls, snap.Classes[3].AllocFast, snap.Classes[4].AllocCalls = calls, calls, 100
		if err := rec.Record(sampler.Sample{Elapsed: 10 * time.Second, Snap: embeddedSnap(snap, int64(calls+100))}); err != nil {
			t.Fatal(err)
		}
		if err := rec.Close(sampler.Footer{Reason: "done"}); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runIn(t, dir, "diff", "a.jsonl", "b.jsonl")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "C3") && strings.Contains(l, "alloc/s") {
			row = strings.Join(strings.Fields(strings.ReplaceAll(l, "│", " ")), " ")
		}
	}
	if row != "C3 alloc/s <1 0 -100.0%" {
		t.Errorf("C3 alloc/s row %q, want %q\n%s", row, "C3 alloc/s <1 0 -100.0%", out)
	}
}
