package main

// Sessions that span a workload change (the live view's w, + and -):
// report shows each segment's own totals, diff flags them.

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

// writeTwoWorkloads records random_mixed (1000 C7 allocs in 1 s), then w:
// tiny_hot (3000 C3 allocs in 1 s).
func writeTwoWorkloads(t *testing.T, path string) {
	t.Helper()
	cfg := allocator.DefaultConfig()
	rm, th := workload.DefaultSpec(workload.RandomMixed), workload.DefaultSpec(workload.TinyHot)
	rm.Cycles, th.Cycles = 0, 0
	h := sampler.Header{Start: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Interval: time.Second, StatsCompiled: true,
		Workload: rm, Gates: gateValues(cfg)}
	rec, err := sampler.Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	var first, second allocator.Snapshot
	first.Classes[7].AllocCalls, first.Classes[7].AllocFast, first.Paths[allocator.PathTinyFast] = 1000, 1000, 1000
	second.Classes[3].AllocCalls, second.Classes[3].AllocFast, second.Paths[allocator.PathTinyFast] = 3000, 3000, 3000
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rec.Record(sampler.Sample{Seq: 0, Elapsed: time.Second, Snap: embeddedSnap(first, 1000)}))
	must(rec.Event(sampler.Event{Elapsed: time.Second, Kind: sampler.EventRestart, Epoch: 1, Message: "workload random_mixed -> tiny_hot",
		Gates: gateValues(cfg), Workload: &th}))
	must(rec.Record(sampler.Sample{Seq: 1, Elapsed: 2 * time.Second, Epoch: 1, EpochStart: time.Second, Snap: embeddedSnap(second, 3000)}))
	must(rec.Close(sampler.Footer{Reason: "quit"}))
}

func TestReportPerSegment(t *testing.T) {
	dir := t.TempDir()
	writeTwoWorkloads(t, filepath.Join(dir, "s.jsonl"))
	code, out, errs := runIn(t, dir, "report", "s.jsonl", "--json")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var doc reportJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.MixedWorkloads || len(doc.Segments) != 2 {
		t.Fatalf("mixed_workloads %v, %d segments; want true and 2", doc.MixedWorkloads, len(doc.Segments))
	}
	a, b := doc.Segments[0], doc.Segments[1]
	if a.Workload.Name != workload.RandomMixed || a.Classes[7].n("alloc_calls") != 1000 || a.Classes[3].n("alloc_calls") != 0 || a.Ops != 1000 || a.Classes[7].f("mean", "alloc_calls") != 1000 {
		t.Errorf("segment 1: %s, C7 %d (%v/s), C3 %d, ops %d", a.Workload.Name, a.Classes[7].n("alloc_calls"), a.Classes[7].f("mean", "alloc_calls"), a.Classes[3].n("alloc_calls"), a.Ops)
	}
	if b.Workload.Name != workload.TinyHot || b.Classes[3].n("alloc_calls") != 3000 || b.Classes[7].n("alloc_calls") != 0 || b.StartNS != int64(time.Second) || b.Paths[allocator.PathTinyFast].Hits != 3000 {
		t.Errorf("segment 2: %s from %dns, C3 %d, C7 %d, tiny_fast %d", b.Workload.Name, b.StartNS, b.Classes[3].n("alloc_calls"), b.Classes[7].n("alloc_calls"), b.Paths[allocator.PathTinyFast].Hits)
	}

	_, text, _ := runIn(t, dir, "report", "s.jsonl")
	for _, want := range []string{
		"segments  2 workload segments: the workload changed during the session (w, + or -), so the ops above add up\n",
		"\nsegment 1 of 2: random_mixed --workers 1 --ws 8192 --seed 1234567, counter epochs 0-0, 0s to 1s: 1000 ops, mean 1.0k/s, peak 1.0k/s\n",
		"\nsegment 2 of 2: tiny_hot --workers 1 --seed 1234567 --size 64, counter epochs 1-1, 1s to 2s: 3000 ops, mean 3.0k/s, peak 3.0k/s\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "totals over the session") {
		t.Errorf("report text has a session-wide class table adding up both workloads:\n%s", text)
	}
}

func TestDiffFlagsSegments(t *testing.T) {
	dir, a, _ := fixtures(t)
	writeTwoWorkloads(t, filepath.Join(dir, "s.jsonl"))
	_, out, _ := runIn(t, dir, "diff", a, "s.jsonl", "--json")
	var doc diffDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"the workload changed during B (2 segments: random_mixed --workers 1 --ws 8192 --seed 1234567 from 0s, tiny_hot --workers 1 --seed 1234567 --size 64 from 1s): its means mix workloads; haktop report shows each segment",
		"A and B ran different workload segments: compare them one by one (haktop report)",
	}
	for _, w := range want {
		found := false
		for _, u := range doc.Unfair {
			found = found || u == w
		}
		if !found {
			t.Errorf("unfair lacks %q; got %q", w, doc.Unfair)
		}
	}
	for _, u := range doc.Unfair {
		if strings.HasPrefix(u, "gates changed during B") {
			t.Errorf("a workload change reported as a gate change: %q", u)
		}
	}
}

func TestExportLabelsSegments(t *testing.T) {
	dir := t.TempDir()
	writeTwoWorkloads(t, filepath.Join(dir, "s.jsonl"))
	code, out, errs := runIn(t, dir, "export", "s.jsonl", "-o", "p.pb.gz")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	const note = "note: the workload changed during the session; each sample is labelled segment=SEGMENT (1: random_mixed, 1 worker; 2: tiny_hot, 1 worker): pick one with -tagfocus segment=1, as summing them mixes workloads\n"
	if !strings.HasSuffix(out, note) {
		t.Errorf("stdout %q lacks %q", out, note)
	}
	p := parseProfile(t, filepath.Join(dir, "p.pb.gz"))
	calls := -1
	for i, st := range p.SampleType {
		if st.Type == "alloc_calls" {
			calls = i
		}
	}
	bySegment := map[string]int64{}
	for _, s := range p.Sample {
		seg := s.Label["segment"]
		if len(seg) != 1 {
			t.Fatalf("a sample without one segment label: %v", s.Label)
		}
		bySegment[seg[0]] += s.Value[calls]
	}
	if len(bySegment) != 2 || bySegment["1: random_mixed, 1 worker"] != 1000 || bySegment["2: tiny_hot, 1 worker"] != 3000 {
		t.Errorf("alloc_calls by segment %v, want 1000 and 3000", bySegment)
	}
}
