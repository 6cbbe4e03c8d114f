package ab

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// POOL_V2 on vs off under tiny_hot never reaches the pool tier: NO-OP, naming
// the three v2 paths, whatever the timings say.
func TestPoolV2TinyHotIsNoOp(t *testing.T) {
	a := mustArm(t, "A", "HAKMEM_POOL_V2_ENABLED=0", "")
	b := mustArm(t, "B", "HAKMEM_POOL_V2_ENABLED=1", "")
	f := newFake(7, "tiny_hot", 0.005)
	f.work["B"] = 1.02 // drift that a timing-only tool would call NO-GO
	rep := compare(t, f, a, b, 10)
	if rep.Verdict != NoOp {
		t.Fatalf("verdict %s (%s), want NO-OP", rep.Verdict, rep.Reason)
	}
	if !rep.Delta.Significant || rep.Delta.Percent > -1 {
		t.Fatalf("delta %+.2f%% p=%.3g: the fake's 2%% drift should be significant", rep.Delta.Percent, rep.Delta.P)
	}
	want := "HAKMEM_POOL_V2_ENABLED differs, but pool_v2_alloc, pool_v2_free, pool_v2_fallback had zero hits in every run of both arms" +
		fmt.Sprintf("; the %+.2f%% difference is drift or noise, not the change", rep.Delta.Percent)
	if rep.Reason != want {
		t.Errorf("reason\n got %q\nwant %q", rep.Reason, want)
	}
	if len(rep.Changes) != 1 || rep.Changes[0].Env != "HAKMEM_POOL_V2_ENABLED" || rep.Changes[0].A != "0" || rep.Changes[0].B != "1" ||
		!slices.Equal(rep.Changes[0].Guards, []string{"pool_v2_alloc", "pool_v2_free", "pool_v2_fallback"}) {
		t.Errorf("changes %+v", rep.Changes)
	}
	for _, p := range rep.Paths {
		if p.HitsA != 0 || p.HitsB != 0 {
			t.Errorf("path %+v: want zero hits", p)
		}
	}
}

// The same change under mid_pool takes the v2 paths in B: not NO-OP.
func TestPoolV2MidPoolIsNotNoOp(t *testing.T) {
	a := mustArm(t, "A", "HAKMEM_POOL_V2_ENABLED=0", "")
	b := mustArm(t, "B", "HAKMEM_POOL_V2_ENABLED=1", "")
	rep := compare(t, newFake(7, "mid_pool", 0.005), a, b, 10)
	if rep.Verdict == NoOp {
		t.Fatalf("verdict NO-OP (%s), want a statistical verdict", rep.Reason)
	}
	if want := "guarded paths ran: pool_v2_alloc (A 0, B 5000000 hits), pool_v2_free (A 0, B 5000000 hits)"; rep.NoOpReason != want {
		t.Errorf("NO-OP rule\n got %q\nwant %q", rep.NoOpReason, want)
	}
}

// The other branches of the NO-OP rule, each on a workload where the timing
// alone would be NO-OP-shaped (no guarded path runs).
func TestNoOpRule(t *testing.T) {
	cases := []struct {
		name               string
		a, b, tagsA, tagsB string
		noStatsB           bool
		verdictNoOp        bool
		reason             string
	}{
		{name: "classes mask while v2 is off",
			a: "HAKMEM_POOL_V2_CLASSES=0x01", b: "HAKMEM_POOL_V2_CLASSES=0x7F", verdictNoOp: true,
			reason: "HAKMEM_POOL_V2_CLASSES differs, but pool_v2_alloc, pool_v2_free, pool_v2_fallback had zero hits in every run of both arms"},
		{name: "build tags differ",
			a: "HAKMEM_POOL_V2_ENABLED=0", b: "HAKMEM_POOL_V2_ENABLED=1", tagsB: "haktop_nostats",
			reason: "the build tags differ (A: none, B: haktop_nostats); a build difference is never NO-OP by gates alone"},
		{name: "same configuration",
			a: "HAKMEM_POOL_V2_ENABLED=0", b: "",
			reason: "A and B run the same gate values"},
		{name: "profile spelled out",
			a: "HAKMEM_PROFILE=speed", b: "HAKMEM_TINY_CACHE_CAP=2048",
			reason: "A and B run the same gate values"},
		{name: "gate with no paths",
			a: "HAKMEM_POOL_V2_STATS=0", b: "HAKMEM_POOL_V2_STATS=1",
			reason: "HAKMEM_POOL_V2_STATS guards no registered path, so ab cannot show the change is inert"},
		{name: "no counters",
			a: "HAKMEM_POOL_V2_ENABLED=0", b: "HAKMEM_POOL_V2_ENABLED=1", noStatsB: true,
			reason: "arm B's child was built without counters (haktop_nostats), so ab cannot tell which paths ran"},
		{name: "two gates",
			a: "HAKMEM_SS_MEM_LEAN=0 HAKMEM_POOL_V2_ENABLED=0", b: "HAKMEM_SS_MEM_LEAN=1 HAKMEM_POOL_V2_ENABLED=1", verdictNoOp: true,
			reason: "HAKMEM_SS_MEM_LEAN, HAKMEM_POOL_V2_ENABLED differ, but superslab_unmap, pool_v2_alloc, pool_v2_free, pool_v2_fallback had zero hits in every run of both arms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(3, "tiny_hot", 0.005)
			f.noStats["B"] = c.noStatsB
			rep := compare(t, f, mustArm(t, "A", c.a, c.tagsA), mustArm(t, "B", c.b, c.tagsB), 6)
			if (rep.Verdict == NoOp) != c.verdictNoOp {
				t.Errorf("verdict %s, want NO-OP: %v", rep.Verdict, c.verdictNoOp)
			}
			if rep.NoOpReason != c.reason {
				t.Errorf("NO-OP rule\n got %q\nwant %q", rep.NoOpReason, c.reason)
			}
			if c.verdictNoOp && !strings.HasPrefix(rep.Reason, c.reason) {
				t.Errorf("reason %q does not start with the rule's", rep.Reason)
			}
		})
	}
}

// TestTinyCacheCapJudgesRefillAndFlush: the cap changes refill batches and
// the flush threshold, not the inline fast path. Under tiny_hot the fast
// path runs a million times a run, which says nothing about the cap; the
// judged paths, whose hits both arms show, are tiny_refill (one cold-start
// refill per run, as often in both arms) and tiny_flush (never).
func TestTinyCacheCapJudgesRefillAndFlush(t *testing.T) {
	a := mustArm(t, "A", "", "")
	b := mustArm(t, "B", "HAKMEM_TINY_CACHE_CAP=2048", "")
	rep := compare(t, newFake(7, "tiny_hot", 0.005), a, b, 6)
	var ids []string
	for _, p := range rep.Paths {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{"tiny_refill", "tiny_flush"}) {
		t.Errorf("judged paths %v, want [tiny_refill tiny_flush]", ids)
	}
	if len(rep.Paths) == 2 && (rep.Paths[0].HitsA != 6 || rep.Paths[0].HitsB != 6 || rep.Paths[1].HitsA != 0 || rep.Paths[1].HitsB != 0) {
		t.Errorf("hits %+v, want tiny_refill 6 in each arm, tiny_flush 0", rep.Paths)
	}
	want := "guarded paths ran: tiny_refill (A 6, B 6 hits); as often in both arms, but the gate changes what each of them does"
	if rep.Verdict == NoOp || rep.NoOpReason != want {
		t.Errorf("verdict %s, NO-OP rule\n got %q\nwant %q", rep.Verdict, rep.NoOpReason, want)
	}
	var text strings.Builder
	if err := WriteText(plain(&text), rep); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"│ guarded path │ A hits │ B hits │", "│ tiny_refill  │      6 │      6 │", "│ tiny_flush   │      0 │      0 │"} {
		if !strings.Contains(text.String(), line+"\n") {
			t.Errorf("report lacks %q:\n%s", line, text.String())
		}
	}
	if strings.Contains(text.String(), "tiny_fast") {
		t.Errorf("report judges tiny_fast:\n%s", text.String())
	}

	// Under mid_pool no tiny path runs: the cap cannot matter.
	rep = compare(t, newFake(7, "mid_pool", 0.005), a, b, 6)
	if rep.Verdict != NoOp {
		t.Errorf("cap under mid_pool: verdict %s (%s), want NO-OP", rep.Verdict, rep.NoOpReason)
	}
}
