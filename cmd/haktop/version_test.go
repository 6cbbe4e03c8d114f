package main

import (
	"path/filepath"
	"testing"

	"github.com/haktop/haktop/sampler"
)

// TestVersionFlag: --version prints the one version string, the same one
// every recording's header holds.
func TestVersionFlag(t *testing.T) {
	code, out, errs := runCLI(t, "--version")
	if want := "haktop " + sampler.Version() + "\n"; code != 0 || errs != "" || out != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errs, want)
	}
	file := filepath.Join(t.TempDir(), "s.jsonl")
	if code, _, errs := runCLI(t, "record", "-o", file, "--workload", "tiny_hot", "--cycles", "1000"); code != 0 {
		t.Fatalf("record: exit %d: %s", code, errs)
	}
	rec, err := sampler.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Header.Haktop != sampler.Version() {
		t.Errorf("header version %q, want %q", rec.Header.Haktop, sampler.Version())
	}
}
