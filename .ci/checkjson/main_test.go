package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

func report(t *testing.T, name string) profile.RunReport {
	t.Helper()
	cfg := allocator.DefaultConfig()
	a, err := allocator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s := workload.DefaultSpec(name)
	s.Cycles = 50_000
	r, err := workload.Start(context.Background(), a, s)
	if err != nil {
		t.Fatal(err)
	}
	res := r.Wait()
	schema := embedded.Schema(cfg)
	final := a.Snapshot()
	snap := schema.NewSnapshot()
	embedded.Snapshot(&final, &snap)
	return profile.NewRunReport(&schema, snap, res, nil, true) // as haktop bench does
}

func checkReport(t *testing.T, rep any, name string, remote bool) []string {
	t.Helper()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	p, err := check(strings.NewReader(string(b)), name, 50_000, remote)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	if p := checkReport(t, report(t, workload.Larson), workload.Larson, true); len(p) != 0 {
		t.Errorf("sound larson report: %v", p)
	}
	rep := report(t, workload.RandomMixed)
	if p := checkReport(t, rep, workload.RandomMixed, false); len(p) != 0 {
		t.Errorf("sound report: %v", p)
	}
	rep.Frees--
	want := []string{
		`workload "random_mixed", want "larson"`,
		fmt.Sprintf("allocs %d + frees %d != cycles 50000", rep.Allocs, rep.Frees),
		fmt.Sprintf("frees %d + drained %d != allocs %d", rep.Frees, rep.Drained, rep.Allocs),
		fmt.Sprintf("class free_calls %d != frees %d + drained %d", rep.Frees+1+rep.Drained, rep.Frees, rep.Drained),
		"no remote frees",
	}
	if p := checkReport(t, rep, workload.Larson, true); strings.Join(p, "\n") != strings.Join(want, "\n") {
		t.Errorf("tampered report:\n%s\nwant:\n%s", strings.Join(p, "\n"), strings.Join(want, "\n"))
	}
	// Hits that disagree with the classes' fast counts, and a large row
	// with fast allocs or size 0.
	rep = report(t, workload.RandomMixed)
	rep.Paths[allocator.PathSlowEntry].Hits += 52
	rep.Classes[allocator.LargeClass].Size = 0
	want = []string{
		fmt.Sprintf("slow_entry hits %d != the calls that missed the fast path %d", rep.Paths[allocator.PathSlowEntry].Hits, rep.Paths[allocator.PathSlowEntry].Hits-52),
		fmt.Sprintf("large row: alloc_fast 0, size 0; want 0 (every block an mmap) and %d", allocator.MaxPoolSize+1),
	}
	if p := checkReport(t, rep, workload.RandomMixed, false); strings.Join(p, "\n") != strings.Join(want, "\n") {
		t.Errorf("report with disagreeing counts:\n%s\nwant:\n%s", strings.Join(p, "\n"), strings.Join(want, "\n"))
	}
	if _, err := check(strings.NewReader(`{"workload":"x","extra":1}`), "", 0, false); err == nil {
		t.Error("unknown field accepted")
	}
}
