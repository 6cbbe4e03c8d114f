package main

// Format-1 recordings (../../testdata/format1, committed, written by
// haktop before recordings carried a schema) still open in report, diff and
// export, with byte-exact goldens and counter totals that match the file's
// own footer.

import (
	"path/filepath"
	"strings"
	"testing"
)

const format1Dir = "../../testdata/format1"

var format1Files = []string{"random_mixed.jsonl", "larson.jsonl.gz", "gate_toggle.jsonl"}

func TestFormat1ReportGolden(t *testing.T) {
	dir, err := filepath.Abs(format1Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range format1Files {
		for _, json := range []bool{false, true} {
			sub := strings.NewReplacer(".jsonl", "", ".gz", "_gz").Replace(name)
			args := []string{"report", name}
			if json {
				sub += "_json"
				args = append(args, "--json")
			}
			t.Run(sub, func(t *testing.T) {
				requireGolden(t, dir, args...)
			})
		}
	}
}

func TestFormat1DiffGolden(t *testing.T) {
	dir, err := filepath.Abs(format1Dir)
	if err != nil {
		t.Fatal(err)
	}
	requireGolden(t, dir, "diff", "random_mixed.jsonl", "gate_toggle.jsonl")
}

// Every counter's total in the exported profile is the one the format-1
// file's footer recorded when it was written.
func TestFormat1Export(t *testing.T) {
	for _, name := range format1Files {
		t.Run(name, func(t *testing.T) {
			src, err := filepath.Abs(filepath.Join(format1Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			code, out, errs := runIn(t, dir, "export", src, "-o", "paths.pb.gz")
			if code != 0 || errs != "" || !strings.HasPrefix(out, "wrote paths.pb.gz: ") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
			}
			rec := mustLoad(t, src)
			if rec.Header.Version != 1 || rec.Footer == nil {
				t.Fatalf("version %d, footer %v", rec.Header.Version, rec.Footer)
			}
			var calls, refills, frees, hits int64
			tot := embeddedTotals(rec)
			for _, c := range tot.Classes {
				calls += int64(c.AllocCalls)
				refills += int64(c.AllocRefill)
				frees += int64(c.FreeCalls)
			}
			for _, h := range tot.Paths {
				hits += int64(h)
			}
			if calls == 0 || hits == 0 {
				t.Fatalf("fixture %s has %d calls and %d path hits", name, calls, hits)
			}
			totals, _ := totalsByType(parseProfile(t, filepath.Join(dir, "paths.pb.gz")), "alloc_calls")
			if totals["alloc_calls"] != calls || totals["alloc_refill"] != refills || totals["free_calls"] != frees || totals["path_hits"] != hits {
				t.Errorf("profile totals %v, want alloc_calls %d, alloc_refill %d, free_calls %d, path_hits %d", totals, calls, refills, frees, hits)
			}
		})
	}
}
