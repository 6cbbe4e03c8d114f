package segment

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader: it must return a snapshot
// whose shapes match its schema, or an error, and never panic. The seeds
// are a valid segment and each of the corruptions; committed entries are
// under testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add(buildSegment(2<<10, sampleTable()))
	for _, c := range corruptions {
		f.Add(c.edit(buildSegment(2<<10, sampleTable())))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := Read(b)
		if err != nil {
			return
		}
		for _, tb := range snap.Tables {
			for _, g := range tb.Schema.Gates {
				for _, id := range g.Paths {
					if !slices.ContainsFunc(tb.Schema.Paths, func(p Path) bool { return p.ID == id }) {
						t.Fatalf("gate %s guards path id %d, which the schema does not declare", g.Env, id)
					}
				}
			}
			if len(tb.Counts) != len(tb.Schema.Classes) || len(tb.PathHits) != len(tb.Schema.Paths) {
				t.Fatalf("table %d: %d rows for %d classes, %d hits for %d paths", tb.Index, len(tb.Counts), len(tb.Schema.Classes), len(tb.PathHits), len(tb.Schema.Paths))
			}
			for _, row := range tb.Counts {
				if len(row) != len(tb.Schema.Counters) {
					t.Fatalf("row of %d for %d counters", len(row), len(tb.Schema.Counters))
				}
			}
		}
	})
}

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzRead from the seeds")

// TestFuzzCorpus writes (with -update-corpus) or checks the committed
// corpus: a valid segment and five damaged ones, so `go test` replays them
// even where the fuzz cache is empty.
func TestFuzzCorpus(t *testing.T) {
	seeds := map[string][]byte{"valid": buildSegment(2<<10, sampleTable())}
	for _, c := range corruptions {
		switch c.name {
		case "future version", "cut in the tables", "slots past end", "gate guards an undeclared path", "guarded paths past the gate paths":
			seeds[strings.ReplaceAll(c.name, " ", "_")] = c.edit(buildSegment(2<<10, sampleTable()))
		}
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	for name, b := range seeds {
		entry := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		path := filepath.Join(dir, name)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(entry), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != entry {
			t.Errorf("%s is not the current seed (err %v): run go test ./target/segment -run TestFuzzCorpus -update-corpus", path, err)
		}
	}
	if _, err := Read(seeds["valid"]); err != nil {
		t.Errorf("the valid seed does not read: %v", err)
	}
}
