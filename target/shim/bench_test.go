package shim

// bench_test.go measures what the shim costs the program it watches, as
// ratios of random_mixed.c's own loop time (the sec= it prints) measured in
// interleaved pairs in one run, since the machine is shared and noisy:
//
//	go test ./target/shim -run XXX -bench . -benchtime 11x
//
// reports, per allocator, the median of the rounds' ratios (shim/plain,
// with forward/plain beside it as the floor, and sampled/unsampled for
// sampling the segment at 100 Hz). The segments are made where haktop
// makes its own (target/segment: $XDG_RUNTIME_DIR, else /dev/shm), not in
// a test temp dir, which may be on a disk.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/segment"
)

var benchArgs = []string{"10000000", "8192", "1234567"}

var loopSeconds = regexp.MustCompile(` sec=([0-9.]+)`)

// timing is one run's loop time (the sec= it prints) and the CPU time
// (user and system) of the whole process, which a busy machine's
// preemptions do not inflate.
type timing struct{ loop, cpu float64 }

// loopTime runs random_mixed.c with env added.
func loopTime(b *testing.B, prog string, env []string) timing {
	b.Helper()
	return loopTimeStarted(b, prog, env, func(int) {})
}

// loopTimeStarted is loopTime telling started the program's pid.
func loopTimeStarted(b *testing.B, prog string, env []string, started func(pid int)) timing {
	b.Helper()
	cmd := exec.Command(prog, benchArgs...)
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		b.Fatalf("%s: %v", prog, err)
	}
	started(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%s: %v", prog, err)
	}
	out := stdout.Bytes()
	m := loopSeconds.FindSubmatch(out)
	if m == nil {
		b.Fatalf("random_mixed printed %q", out)
	}
	sec, _ := strconv.ParseFloat(string(m[1]), 64)
	return timing{sec, (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()}
}

// ratios collects the rounds' ratios of loop and CPU time.
type ratios struct{ loop, cpu []float64 }

func (r *ratios) add(num, den timing) {
	r.loop = append(r.loop, num.loop/den.loop)
	r.cpu = append(r.cpu, num.cpu/den.cpu)
}

func (r *ratios) report(b *testing.B, unit string) {
	b.ReportMetric(ctest.Median(r.loop), unit+"-loop")
	b.ReportMetric(ctest.Median(r.cpu), unit+"-cpu")
}

func preloadEnv(libs ...string) string {
	return "LD_PRELOAD=" + strings.TrimSpace(strings.Join(libs, " "))
}

// forwardOnly is the shim built to count nothing: its malloc and free
// forward to the next definition and no more, the floor any interposer
// that sees every call stands on.
var forwardOnly = Library{"forward", []string{"-DHAKTOP_SHIM_COUNT=0"}}

// builds are the libraries a program is timed under beside the plain run:
// the forward-only build and the shim, each with a segment to publish in.
type builds struct {
	forward, shim string
	seg           *segment.Segment
}

func newBuilds(b *testing.B) builds {
	b.Helper()
	shim := theShim(b)
	forward, err := forwardOnly.BuildIn(filepath.Join(buildDir, "cache"))
	if err != nil {
		b.Fatal(err)
	}
	seg, err := segment.Create(0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { seg.Close() })
	return builds{forward, shim, seg}
}

// envs are the environments of the plain, forward-only and shim runs on a.
func (l builds) envs(a ctest.Allocator) [][]string {
	return [][]string{
		{preloadEnv(a.Lib)},
		{preloadEnv(l.forward, a.Lib), l.seg.Env()},
		{preloadEnv(l.shim, a.Lib), l.seg.Env()},
	}
}

// rounds runs run once per variant in each of b.N rounds, in an order
// rotated each round (so a drift of the machine falls on all alike), and
// returns each round's results in the variants' order.
func rounds[V, T any](b *testing.B, variants []V, run func(V) T) [][]T {
	out := make([][]T, b.N)
	for i := range out {
		out[i] = make([]T, len(variants))
		for k := range variants {
			j := (i + k) % len(variants)
			out[i][j] = run(variants[j])
		}
	}
	return out
}

// BenchmarkShimOverhead: each iteration runs the loop on the allocator
// without haktop, under the forward-only shim (the interposition's own
// cost) and under the shim, in an order rotated each iteration, and
// reports the medians of forward/plain and shim/plain. For jemalloc it
// also times the stats-only library (what `haktop run` preloads when the
// counters shown are jemalloc's own bins), which interposes nothing.
func BenchmarkShimOverhead(b *testing.B) {
	prog := program(b, "random_mixed.c")
	l := newBuilds(b)
	for _, a := range ctest.Allocators {
		b.Run(a.Name, func(b *testing.B) {
			a.Need(b)
			envs := l.envs(a)
			units := []string{"", "forward/plain", "shim/plain"}
			if a == ctest.Jemalloc {
				envs = append(envs, []string{preloadEnv(theStatsLib(b), a.Lib), l.seg.Env()})
				units = append(units, "stats/plain")
			}
			r := make([]ratios, len(envs))
			for _, t := range rounds(b, envs, func(env []string) timing { return loopTime(b, prog, env) }) {
				for k := 1; k < len(envs); k++ {
					r[k].add(t[k], t[0])
				}
			}
			for k := 1; k < len(envs); k++ {
				r[k].report(b, units[k])
			}
		})
	}
}

var nsPerPair = regexp.MustCompile(`^ns_per_pair=([0-9.]+) pairs=\d+\n$`)

// pairTime runs testdata/calls.c with env added and returns the ns per
// malloc and free pair it prints.
func pairTime(b *testing.B, prog string, env []string) float64 {
	b.Helper()
	cmd := exec.Command(prog)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s: %v", prog, err)
	}
	m := nsPerPair.FindSubmatch(out)
	if m == nil {
		b.Fatalf("calls.c printed %q", out)
	}
	ns, _ := strconv.ParseFloat(string(m[1]), 64)
	return ns
}

// BenchmarkShimPerCall: what the shim and the forward-only build add to
// one malloc and free pair, in ns, where nothing else is timed (calls.c:
// the same 64-byte block each round, from the allocator's thread cache).
// Each iteration times plain, forward-only and the shim in a rotated order;
// the medians of the differences are reported. A random_mixed.c step is
// one call of about 25 ns on jemalloc, tcmalloc and mimalloc here, so a 3%
// budget is 0.75 ns a call, 1.5 ns a pair.
func BenchmarkShimPerCall(b *testing.B) {
	prog := program(b, "calls.c")
	l := newBuilds(b)
	for _, a := range ctest.Allocators {
		b.Run(a.Name, func(b *testing.B) {
			a.Need(b)
			var plain, fwd, with []float64
			for _, t := range rounds(b, l.envs(a), func(env []string) float64 { return pairTime(b, prog, env) }) {
				plain = append(plain, t[0])
				fwd = append(fwd, t[1]-t[0])
				with = append(with, t[2]-t[0])
			}
			b.ReportMetric(ctest.Median(plain), "plain-ns/pair")
			b.ReportMetric(ctest.Median(fwd), "forward-added-ns/pair")
			b.ReportMetric(ctest.Median(with), "shim-added-ns/pair")
		})
	}
}

// refresherShare reads /proc/PID/task/*/schedstat (CPU time in ns) and
// returns the shim's jemalloc refresher thread's share of the process's
// CPU time so far, or -1 when there is no such thread.
func refresherShare(pid int) float64 {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	var total, refresher float64
	found := false
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join(task, "schedstat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat))
		if len(f) == 0 {
			continue
		}
		ns, _ := strconv.ParseFloat(f[0], 64)
		total += ns
		if comm, _ := os.ReadFile(filepath.Join(task, "comm")); strings.TrimSpace(string(comm)) == "haktop-jemalloc" {
			refresher += ns
			found = true
		}
	}
	if !found || total == 0 {
		return -1
	}
	return refresher / total
}

// BenchmarkSampling100Hz: each iteration runs the loop under the shim
// while a goroutine ticks every 10 ms, once taking a Snapshot at each tick
// (for jemalloc also asking for a refresh, which runs the epoch mallctl)
// and once doing nothing, so the two runs differ by the sampling alone.
// For jemalloc it also reports the refresher thread's share of the
// process's CPU time in the sampled runs (read from /proc at each tick):
// the refreshes' own cost, free of the machine's noise.
func BenchmarkSampling100Hz(b *testing.B) {
	prog := program(b, "random_mixed.c")
	shim := theShim(b)
	for _, a := range ctest.Allocators {
		b.Run(a.Name, func(b *testing.B) {
			a.Need(b)
			seg, err := segment.Create(0)
			if err != nil {
				b.Fatal(err)
			}
			defer seg.Close()
			env := []string{preloadEnv(shim, a.Lib), seg.Env()}
			var rates, shares []float64
			ticking := func(sample bool) timing {
				stop, done := make(chan struct{}), make(chan int)
				pid := make(chan int, 1)
				share := -1.0
				go func() {
					n, p := 0, 0
					tick := time.NewTicker(10 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-stop:
							done <- n
							return
						case p = <-pid:
						case <-tick.C:
							if !sample {
								continue
							}
							if _, err := seg.Snapshot(); err != nil {
								b.Error(err)
							}
							if a == ctest.Jemalloc {
								seg.RequestRefresh()
								if p != 0 {
									if s := refresherShare(p); s >= 0 {
										share = s
									}
								}
							}
							n++
						}
					}
				}()
				t := loopTimeStarted(b, prog, env, func(p int) { pid <- p })
				close(stop)
				if n := <-done; sample {
					rates = append(rates, float64(n)/t.loop)
					if share >= 0 {
						shares = append(shares, share)
					}
				}
				return t
			}
			var r ratios
			for _, t := range rounds(b, []bool{false, true}, ticking) {
				r.add(t[1], t[0])
			}
			r.report(b, "sampled/unsampled")
			b.ReportMetric(ctest.Median(rates), "samples/s")
			if len(shares) > 0 {
				b.ReportMetric(ctest.Median(shares), "refresher-cpu-share")
			}
		})
	}
}

// instructions runs prog under valgrind's callgrind with env added and
// returns the instructions it executed (all threads).
func instructions(b *testing.B, valgrind, prog string, env []string, args ...string) float64 {
	b.Helper()
	cmd := exec.Command(valgrind, append([]string{"--tool=callgrind", "--callgrind-out-file=/dev/null", prog}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("valgrind %s: %v\n%s", prog, err, out)
	}
	m := collected.FindSubmatch(out)
	if m == nil {
		b.Fatalf("valgrind printed no instruction count:\n%s", out)
	}
	v, _ := strconv.ParseFloat(strings.ReplaceAll(string(m[1]), ",", ""), 64)
	return v
}

var collected = regexp.MustCompile(`Collected : ([0-9,]+)`)

// BenchmarkShimInstructions counts, under valgrind's callgrind, the
// instructions random_mixed.c (a million steps, no segment, so no
// jemalloc refresher) executes on each allocator with and without the
// shim: a ratio the machine's load does not move, where CPU time ratios on
// a shared machine spread by several percent; and the shim's instructions
// per step (a malloc or a free), beside the forward-only build's (the
// interposition's own). It skips without valgrind.
func BenchmarkShimInstructions(b *testing.B) {
	valgrind, err := exec.LookPath("valgrind")
	if err != nil {
		b.Skip("no valgrind: install valgrind to count the shim's instructions")
	}
	prog := program(b, "random_mixed.c")
	shim := theShim(b)
	forward, err := forwardOnly.BuildIn(filepath.Join(buildDir, "cache"))
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"1000000", "8192", "1234567"}
	for _, a := range ctest.Allocators {
		b.Run(a.Name, func(b *testing.B) {
			a.Need(b)
			var r []float64
			for i := 0; i < b.N; i++ {
				plain := instructions(b, valgrind, prog, []string{preloadEnv(a.Lib)}, args...)
				with := instructions(b, valgrind, prog, []string{preloadEnv(shim, a.Lib)}, args...)
				fwd := instructions(b, valgrind, prog, []string{preloadEnv(forward, a.Lib)}, args...)
				r = append(r, with/plain)
				b.ReportMetric((with-plain)/1e6, "shim-instructions/step")
				b.ReportMetric((fwd-plain)/1e6, "forward-instructions/step")
			}
			b.ReportMetric(ctest.Median(r), "shim/plain-instructions")
		})
	}
}
