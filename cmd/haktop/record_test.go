package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// randomMixedAllocs returns how many of cycles random_mixed cycles
// allocate, by replaying ../shared/bench/random_mixed.c's slot logic.
func randomMixedAllocs(cycles int64, ws int, seed uint32) uint64 {
	full := make([]bool, ws)
	var allocs uint64
	x := seed
	for i := int64(0); i < cycles; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		idx := x % uint32(ws)
		if !full[idx] {
			allocs++
		}
		full[idx] = !full[idx]
	}
	return allocs
}

// TestRecordWritesExactCounters records a real run and checks the file
// against what the workload must have done.
func TestRecordWritesExactCounters(t *testing.T) {
	if !statsCompiled(t) {
		t.Skip("counters compiled out (haktop_nostats)")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "run.jsonl.gz")
	const cycles = 300_000
	code, stdout, stderr := runCLI(t, "record", "-o", out, "--cycles", "300000", "--ws", "1024", "--seed", "99", "--interval", "10ms")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	rec, err := sampler.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	n := len(rec.Samples)
	want := regexp.MustCompile(`^recorded ` + itoa(n) + ` samples of random_mixed over (\d+ms|\d+(\.\d+)?s) to ` + regexp.QuoteMeta(out) + ` \(` + itoa(n+2) + ` records; done\)\n$`)
	if !want.MatchString(stdout) {
		t.Errorf("stdout %q does not match %s", stdout, want)
	}
	if len(rec.Warnings) != 0 || rec.Footer == nil || rec.Footer.Reason != "done" {
		t.Fatalf("warnings %q, footer %+v", rec.Warnings, rec.Footer)
	}
	spec := rec.Header.Workload
	if spec.Name != workload.RandomMixed || spec.Cycles != cycles || spec.WS != 1024 || spec.Seed != 99 || rec.Header.Interval != 10*time.Millisecond {
		t.Errorf("header workload %+v interval %v", spec, rec.Header.Interval)
	}
	if len(rec.Header.Gates) == 0 || rec.Header.GoVersion == "" || rec.Header.CPUs == 0 {
		t.Errorf("header lacks gates or machine: %+v", rec.Header)
	}
	last := rec.Samples[n-1]
	tot := embedded.Allocator(&rec.Header.Schema, &last.Snap).Totals()
	allocs := randomMixedAllocs(cycles, 1024, 99)
	if last.Snap.Ops != cycles || tot.AllocCalls != allocs || tot.FreeCalls != allocs {
		t.Errorf("last sample: ops %d, alloc_calls %d, free_calls %d; want %d, %d, %d (every block freed by the drain)",
			last.Snap.Ops, tot.AllocCalls, tot.FreeCalls, cycles, allocs, allocs)
	}
	if ft := rec.Footer.Totals; !ft.Equal(sampler.TotalsOf(rec.Samples)) || ft.Ops != cycles {
		t.Errorf("footer totals %+v differ from the samples'", ft)
	}
}

const recordChildEnv = "HAKTOP_RECORD_CHILD_ARGS"

// TestRecordSignalWritesFooter sends SIGTERM, SIGINT and SIGHUP (the
// terminal closed) to a recording child process: each must write the
// footer and exit 0.
func TestRecordSignalWritesFooter(t *testing.T) {
	if args := os.Getenv(recordChildEnv); args != "" {
		var argv []string
		json.Unmarshal([]byte(args), &argv)
		os.Exit(exitCode(os.Stderr, run(os.Stdout, os.Stderr, argv)))
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "sig.jsonl")
			argv, _ := json.Marshal([]string{"record", "-o", out, "--cycles", "0", "--interval", "10ms"})
			cmd := exec.Command(os.Args[0], "-test.run=^TestRecordSignalWritesFooter$")
			cmd.Env = append(os.Environ(), recordChildEnv+"="+string(argv))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				if rec, err := sampler.Load(out); err == nil && len(rec.Samples) >= 3 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the child wrote fewer than 3 samples in 60s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("after %v: %v", sig, err)
			}
			rec, err := sampler.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Footer == nil || rec.Footer.Reason != "interrupted" || len(rec.Warnings) != 0 {
				t.Fatalf("footer %+v, warnings %q", rec.Footer, rec.Warnings)
			}
			if last := rec.Samples[len(rec.Samples)-1]; last.Snap.Ops == 0 || rec.Footer.Totals.Ops != last.Snap.Ops {
				t.Errorf("ops: last sample %d, footer %d", last.Snap.Ops, rec.Footer.Totals.Ops)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
