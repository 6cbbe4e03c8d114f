package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/haktop/haktop/sampler"
)

// TestRecordRefusesOverwrite: an existing file is kept, byte for byte,
// unless --force is given.
func TestRecordRefusesOverwrite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "precious.jsonl")
	if err := os.WriteFile(file, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"record", "-o", file, "--workload", "tiny_hot", "--cycles", "1000"}
	code, out, errs := runCLI(t, args...)
	if want := "haktop: -o " + file + ": the file exists: give --force to overwrite it, or another name\n"; code != 2 || out != "" || errs != want {
		t.Errorf("exit %d, stdout %q, stderr %q\nwant exit 2, stderr %q", code, out, errs, want)
	}
	if data, _ := os.ReadFile(file); string(data) != "keep me\n" {
		t.Fatalf("the file was changed: %q", data)
	}
	if code, _, errs := runCLI(t, append(args, "--force")...); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errs)
	}
	if rec, err := sampler.Load(file); err != nil || rec.Footer == nil || rec.Footer.Reason != "done" {
		t.Fatalf("after --force: %v", err)
	}
}

// TestRecordToStdout: -o - writes the session to stdout, readable as a
// file, and the summary line to stderr.
func TestRecordToStdout(t *testing.T) {
	code, out, errs := runCLI(t, "record", "-o", "-", "--workload", "tiny_hot", "--cycles", "1000", "--interval", "10ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !regexp.MustCompile(`^recorded \d+ samples of tiny_hot over \S+ to stdout \(\d+ records; done\)\n$`).MatchString(errs) {
		t.Errorf("stderr %q", errs)
	}
	file := filepath.Join(t.TempDir(), "out.jsonl")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := sampler.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Samples) == 0 || rec.Footer == nil || rec.Footer.Reason != "done" || rec.Header.Workload.Name != "tiny_hot" {
		t.Errorf("%d samples, footer %+v, workload %q", len(rec.Samples), rec.Footer, rec.Header.Workload.Name)
	}
}
