package process

// bench_test.go measures what sampling a Process at 100 Hz (Snapshot: the
// segment's tables summed, plus /proc/PID/stat) costs the program: the
// ratio of random_mixed.c's ops/s (the ops_per_sec it prints) with and
// without sampling, in interleaved pairs in one run, on jemalloc:
//
//	go test ./target/process -run '^$' -bench Sampling -benchtime 11x
//
// Its segments are made where haktop makes its own ($XDG_RUNTIME_DIR,
// else /dev/shm), not in a test temp dir, which may be on a disk.

import (
	"os"
	"testing"
	"time"

	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/process/processtest"
)

// run is one run's ops/s (as printed) and its CPU time (user and system,
// which a busy machine's preemptions do not inflate).
type run struct{ ops, cpu float64 }

// opsOf runs random_mixed.c under the shim on jemalloc, sampling it every
// 10 ms when sampled.
func opsOf(b *testing.B, prog string, sampled bool) run {
	b.Helper()
	out := b.TempDir() + "/out"
	p, err := Start([]string{prog, "10000000", "8192", "1234567"}, Options{Preload: jemalloc, Output: out, Shim: theShim(b), Table: TableRequests})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if sampled {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	loop:
		for {
			select {
			case <-tick.C:
				if _, err := p.Snapshot(); err != nil {
					b.Fatal(err)
				}
			case <-p.Done():
				break loop
			}
		}
	}
	if e := p.Wait(); e != (Exit{}) {
		b.Fatalf("random_mixed ended %v", e)
	}
	text, _ := os.ReadFile(out)
	printed, ok := ctest.ParseRandomMixed(string(text))
	if !ok {
		b.Fatalf("random_mixed printed %q", text)
	}
	return run{float64(printed.OpsPerSec), p.Figures().CPU.Seconds()}
}

// BenchmarkSampling100Hz reports the medians over the pairs of
// sampled/unsampled ops/s (1.00 is free; 0.99 is a 1% cost) and of
// sampled/unsampled CPU time (1.01 is a 1% cost).
func BenchmarkSampling100Hz(b *testing.B) {
	ctest.Jemalloc.Need(b)
	prog := processtest.Program(b, ctest.RandomMixedC)
	var ops, cpu []float64
	for i := 0; i < b.N; i++ {
		var with, without run
		if i%2 == 0 {
			without, with = opsOf(b, prog, false), opsOf(b, prog, true)
		} else {
			with, without = opsOf(b, prog, true), opsOf(b, prog, false)
		}
		ops, cpu = append(ops, with.ops/without.ops), append(cpu, with.cpu/without.cpu)
	}
	b.Logf("pairs: ops/s ratios %.3f, CPU ratios %.3f", ops, cpu)
	b.ReportMetric(ctest.Median(ops), "sampled/unsampled-ops")
	b.ReportMetric(ctest.Median(cpu), "sampled/unsampled-cpu")
}

// BenchmarkSnapshot is one Snapshot of a running program under the shim
// (the requests table summed, /proc/PID/stat read): at 100 Hz, haktop's
// cost is 100 times this per second.
func BenchmarkSnapshot(b *testing.B) {
	prog := program(b, "testdata/ending.c")
	p, err := Start([]string{prog, "spin"}, Options{Output: b.TempDir() + "/out", Shim: theShim(b), Table: TableRequests})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	p.Schema()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}
