package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/embedded"
)

func parseProfile(t *testing.T, path string) *pprofile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := pprofile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckValid(); err != nil {
		t.Fatal(err)
	}
	return p
}

// totalsByType sums each sample type over p's samples, and one type by leaf path.
func totalsByType(p *pprofile.Profile, typ string) (map[string]int64, map[string]int64) {
	totals, byLeaf := map[string]int64{}, map[string]int64{}
	for _, s := range p.Sample {
		for i, st := range p.SampleType {
			totals[st.Type] += s.Value[i]
			if st.Type == typ {
				byLeaf[s.Location[0].Line[0].Function.Name] += s.Value[i]
			}
		}
	}
	return totals, byLeaf
}

// The fixture b restarts from pool v2 to v1 at sample 5: P0's calls land on
// pool_v2_alloc for the first epoch and pool_v1_alloc for the second, and
// every counter's total is the session's.
func TestExportSession(t *testing.T) {
	dir, _, b := fixtures(t)
	code, out, errs := runIn(t, dir, "export", b, "-o", "paths.pb.gz")
	if code != 0 || errs != "" || !strings.HasPrefix(out, "wrote paths.pb.gz: ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	p := parseProfile(t, filepath.Join(dir, "paths.pb.gz"))
	rec := mustLoad(t, filepath.Join(dir, b))
	sum := sampler.TotalsOf(rec.Samples).Snapshot()
	tot := embedded.Allocator(&rec.Header.Schema, &sum)
	var want allocator.Counters
	for _, c := range tot.Classes {
		want.Add(c.Counters)
	}
	var hits int64
	for _, h := range tot.Paths {
		hits += int64(h)
	}
	totals, calls := totalsByType(p, "alloc_calls")
	if totals["alloc_calls"] != int64(want.AllocCalls) || totals["alloc_refill"] != int64(want.AllocRefill) || totals["free_calls"] != int64(want.FreeCalls) || totals["path_hits"] != hits {
		t.Errorf("profile totals %v, want alloc_calls %d, alloc_refill %d, free_calls %d, path_hits %d", totals, want.AllocCalls, want.AllocRefill, want.FreeCalls, hits)
	}
	var epochP0 [2]int64
	for i, s := range rec.Samples {
		if i == len(rec.Samples)-1 || rec.Samples[i+1].Epoch != s.Epoch {
			epochP0[s.Epoch] = int64(embedded.Allocator(&rec.Header.Schema, &s.Snap).Classes[allocator.NumTinyClasses].AllocCalls)
		}
	}
	if epochP0[0] == 0 || calls["pool_v2_alloc"] != epochP0[0] || calls["pool_v1_alloc"] != epochP0[1] {
		t.Errorf("P0 alloc_calls: pool_v2_alloc %d (want epoch 0's %d), pool_v1_alloc %d (want epoch 1's %d)",
			calls["pool_v2_alloc"], epochP0[0], calls["pool_v1_alloc"], epochP0[1])
	}
}

func TestExportErrors(t *testing.T) {
	dir, a, _ := fixtures(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export"}, 2, "haktop: export takes one SESSION file: haktop export SESSION -o FILE (got 0 arguments)\n"},
		{[]string{"export", a}, 2, "haktop: --out is required: give the profile to write, e.g. -o paths.pb.gz\n"},
		{[]string{"export", "missing.jsonl", "-o", "x.pb.gz"}, 1, "haktop: missing.jsonl: cannot open: no such file or directory\n"},
		{[]string{"export", a, "-o", filepath.Join("no", "dir.pb.gz")}, 1, "haktop: profile: open no/dir.pb.gz: no such file or directory\n"},
	} {
		code, out, errs := runIn(t, dir, tc.args...)
		if code != tc.code || out != "" || errs != tc.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, %q", tc.args, code, out, errs, tc.code, tc.want)
		}
	}
}

// record --cpuprofile writes the session's merged CPU profile.
func TestRecordCPUProfile(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runIn(t, dir, "record", "-o", "s.jsonl", "--duration", "400ms", "--cpuprofile", "cpu.pb.gz")
	if code != 0 || errs != "" || !strings.Contains(out, "wrote the CPU profile to cpu.pb.gz (") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	p := parseProfile(t, filepath.Join(dir, "cpu.pb.gz"))
	if len(p.SampleType) != 2 || p.SampleType[1].Type != "cpu" || p.DurationNanos <= 0 {
		t.Errorf("not a CPU profile: %v, duration %d", p.SampleType, p.DurationNanos)
	}
	mustLoad(t, filepath.Join(dir, "s.jsonl"))

	code, _, errs = runIn(t, dir, "record", "-o", "t.jsonl", "--cycles", "1000", "--cpuprofile", filepath.Join("no", "cpu.pb.gz"))
	if code != 1 || !strings.Contains(errs, "--cpuprofile: open no/cpu.pb.gz: no such file or directory") {
		t.Errorf("bad --cpuprofile path: exit %d, stderr %q", code, errs)
	}
}
