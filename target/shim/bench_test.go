package shim

// bench_test.go measures what the shim costs the program it watches, as
// ratios of random_mixed.c's own loop time (the sec= it prints) measured in
// interleaved pairs in one run, since the machine is shared and noisy:
//
//	go test ./target/shim -run XXX -bench . -benchtime 11x
//
// reports, per allocator, the median of the pairs' ratios (shim/plain,
// and sampled/unsampled for sampling the segment at 100 Hz).

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/target/segment"
)

var benchArgs = []string{"10000000", "8192", "1234567"}

var loopSeconds = regexp.MustCompile(` sec=([0-9.]+)`)

// loopTime runs random_mixed.c with env added and returns its loop's seconds.
func loopTime(b *testing.B, prog string, env []string) float64 {
	b.Helper()
	cmd := exec.Command(prog, benchArgs...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s: %v", prog, err)
	}
	m := loopSeconds.FindSubmatch(out)
	if m == nil {
		b.Fatalf("random_mixed printed %q", out)
	}
	sec, _ := strconv.ParseFloat(string(m[1]), 64)
	return sec
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func preloadEnv(libs ...string) string {
	return "LD_PRELOAD=" + strings.TrimSpace(strings.Join(libs, " "))
}

// BenchmarkShimOverhead: each iteration runs the loop on the allocator
// without and with the shim (alternating which goes first).
func BenchmarkShimOverhead(b *testing.B) {
	prog := program(b, "random_mixed.c")
	shim := theShim(b)
	b.Setenv("XDG_RUNTIME_DIR", b.TempDir())
	seg, err := segment.Create(0)
	if err != nil {
		b.Fatal(err)
	}
	defer seg.Close()
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			needLib(b, a.lib, a.pkg)
			plain := []string{preloadEnv(a.lib)}
			with := []string{preloadEnv(shim, a.lib), seg.Env()}
			var ratios []float64
			for i := 0; i < b.N; i++ {
				var p, w float64
				if i%2 == 0 {
					p, w = loopTime(b, prog, plain), loopTime(b, prog, with)
				} else {
					w, p = loopTime(b, prog, with), loopTime(b, prog, plain)
				}
				ratios = append(ratios, w/p)
			}
			b.ReportMetric(median(ratios), "shim/plain")
		})
	}
}

// BenchmarkSampling100Hz: each iteration runs the loop under the shim with
// and without a reader taking a Snapshot every 10 ms (for jemalloc, also
// asking for a refresh each time, which runs the epoch mallctl).
func BenchmarkSampling100Hz(b *testing.B) {
	prog := program(b, "random_mixed.c")
	shim := theShim(b)
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			needLib(b, a.lib, a.pkg)
			b.Setenv("XDG_RUNTIME_DIR", b.TempDir())
			seg, err := segment.Create(0)
			if err != nil {
				b.Fatal(err)
			}
			defer seg.Close()
			env := []string{preloadEnv(shim, a.lib), seg.Env()}
			var rates []float64
			sampled := func() float64 {
				stop, done := make(chan struct{}), make(chan int)
				go func() {
					n := 0
					tick := time.NewTicker(10 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-stop:
							done <- n
							return
						case <-tick.C:
							if _, err := seg.Snapshot(); err != nil {
								b.Error(err)
							}
							if a.name == "jemalloc" {
								seg.RequestRefresh()
							}
							n++
						}
					}
				}()
				sec := loopTime(b, prog, env)
				close(stop)
				rates = append(rates, float64(<-done)/sec)
				return sec
			}
			var ratios []float64
			for i := 0; i < b.N; i++ {
				var u, s float64
				if i%2 == 0 {
					u, s = loopTime(b, prog, env), sampled()
				} else {
					s, u = sampled(), loopTime(b, prog, env)
				}
				ratios = append(ratios, s/u)
			}
			b.ReportMetric(median(ratios), "sampled/unsampled")
			b.ReportMetric(median(rates), "samples/s")
		})
	}
}
