package main

// TestSIGKILLRecord builds haktop once and SIGKILLs `haktop record` at 50
// moments drawn from a seeded generator, 25 times writing a plain file and
// 25 a gzip one, sampling every 10 ms so kills land during a sample's
// write, during a gzip flush, between records, and (delay 0) right after
// the header. Each file must read, through sampler.Load, exactly to its
// last whole record (header included), with a warning that names the file
// and says it was cut short. A copy of each file cut at a random byte (a
// torn write, which a kill alone cannot make) must read the same way. The
// moments are random; the assertions hold for every moment, so the test is
// deterministic in what it checks.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/sampler/samplertest"
)

const killRuns = 50

func TestSIGKILLRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds haktop and kills it 50 times")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "haktop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rng := rand.New(rand.NewPCG(17, 50))
	var ok, cutOK, torn, cutGzip int
	for i := range killRuns {
		name := fmt.Sprintf("kill%02d.jsonl", i)
		if i%2 == 1 {
			name += ".gz"
		}
		path := filepath.Join(dir, name)
		delay := time.Duration(rng.IntN(300)) * time.Millisecond
		if i < 4 {
			delay = 0 // as soon as the header is there
		}
		killRecord(t, bin, path, delay)
		if _, _, cut := samplertest.WholeLines(t, path); cut {
			cutGzip++
		}
		if checkKilledFile(t, path) {
			ok++
		}
		// A kill cannot split one write(2) to a file, so also cut a copy
		// at a random byte, as a crash of the machine mid-write would.
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cutPath := strings.Replace(path, "kill", "cut", 1)
		if err := os.WriteFile(cutPath, raw[:len(raw)-rng.IntN(len(raw)/2+1)], 0o644); err != nil {
			t.Fatal(err)
		}
		whole, tail, _ := samplertest.WholeLines(t, cutPath)
		switch {
		case len(whole) == 0:
			// Cut inside the header: a clear error, nothing to read.
			if _, err := sampler.Load(cutPath); err == nil || !strings.HasPrefix(err.Error(), cutPath+": ") {
				t.Errorf("%s: a header cut short reads as %v", cutPath, err)
			} else {
				cutOK++
			}
		case checkKilledFile(t, cutPath):
			cutOK++
			if tail != "" {
				torn++
			}
		}
	}
	t.Logf("%d/%d killed recordings read to their last whole record with a warning; %d/%d copies cut at a random byte did (%d in a torn line); %d gzip streams ended without their trailer", ok, killRuns, cutOK, killRuns, torn, cutGzip)
	if ok != killRuns || cutOK != killRuns {
		t.Fatalf("only %d/%d killed recordings and %d/%d cut copies read cleanly", ok, killRuns, cutOK, killRuns)
	}
}

// killRecord starts haktop record on path, waits until its header is
// readable, waits delay more, and SIGKILLs it.
func killRecord(t *testing.T, bin, path string, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, "record", "-o", path, "--interval", "10ms", "--workload", "random_mixed", "--cycles", "0")
	cmd.Env = append(os.Environ(), "HAKMEM_SS_MEM_LEAN=1") // some superslab traffic between samples
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { <-exited }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if lines, _, _ := samplertest.WholeLines(t, path); len(lines) >= 1 {
			break
		}
		select {
		case <-exited:
			t.Fatalf("%s: haktop record exited before its header: %s", path, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("%s: no header after 30s; stderr: %s", path, stderr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// checkKilledFile reports whether path reads to its last whole record
// (samplertest) with its samples' seq 0, 1, 2, ...
func checkKilledFile(t *testing.T, path string) bool {
	t.Helper()
	rec, ok := samplertest.ReadsToLastWholeRecord(t, path)
	if rec == nil {
		return false
	}
	for i, s := range rec.Samples {
		if s.Seq != i {
			t.Errorf("%s: sample %d has seq %d", path, i, s.Seq)
			return false
		}
	}
	return ok
}
