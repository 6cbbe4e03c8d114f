package expose

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// runningEngine starts random_mixed until Close on the embedded allocator.
func runningEngine(b *testing.B, duration time.Duration) *live.Engine {
	b.Helper()
	spec := workload.DefaultSpec(workload.RandomMixed)
	spec.Cycles, spec.Duration = 0, duration
	e, err := live.NewEngine(live.EngineConfig{Spec: spec, Alloc: embedded.DefaultConfig(), Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// One /metrics scrape of the embedded allocator running random_mixed: the
// goal is under 10 ms (ns/op under 1e7). It also reports the scrape's size
// and its series. running scrapes beside the running workload (the two
// share the CPU); paused scrapes its last sample with the workload parked,
// so ns/op is close to the scrape's own CPU time.
func BenchmarkScrape(b *testing.B) {
	for _, paused := range []bool{false, true} {
		b.Run(map[bool]string{false: "running", true: "paused"}[paused], func(b *testing.B) { benchScrape(b, paused) })
	}
}

func benchScrape(b *testing.B, paused bool) {
	e := runningEngine(b, 0)
	defer e.Close()
	h := Handler(e, Options{})
	time.Sleep(300 * time.Millisecond) // a sample or so
	if paused {
		if _, err := e.Apply(live.Command{Kind: live.CmdTogglePause}); err != nil {
			b.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodGet, MetricsPath, nil)
	var size, series int
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET /metrics: %d %s", w.Code, w.Body)
		}
		size = w.Body.Len()
		series = 0
		for line := range bytes.Lines(w.Body.Bytes()) {
			if len(line) > 0 && line[0] != '#' {
				series++
			}
		}
	}
	b.ReportMetric(float64(size), "bytes/scrape")
	b.ReportMetric(float64(series), "series/scrape")
}

// The workload's ops/s while scraped every second against not scraped at
// all, in one run: arms of 2 s each, interleaved (none, scraped, none,
// scraped, ...), reported as the median ratio scraped/none (1.00: no cost)
// with the smallest and largest pair's, so the machine's noise shows.
func BenchmarkScrapeCost(b *testing.B) {
	const arm = 2 * time.Second
	var ratios []float64
	for b.Loop() {
		var opsPerSec [2]float64
		for scraped := range 2 {
			e := runningEngine(b, arm)
			stop := make(chan struct{})
			done := make(chan struct{})
			if scraped == 1 {
				h := Handler(e, Options{})
				go func() {
					defer close(done)
					t := time.NewTicker(time.Second)
					defer t.Stop()
					for {
						select {
						case <-stop:
							return
						case <-t.C:
							h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, MetricsPath, nil))
						}
					}
				}()
			} else {
				close(done)
			}
			res := e.Wait()
			close(stop)
			<-done
			e.Close()
			opsPerSec[scraped] = res.OpsPerSec()
		}
		ratios = append(ratios, opsPerSec[1]/opsPerSec[0])
		b.ReportMetric(opsPerSec[0], "none-ops/s")
		b.ReportMetric(opsPerSec[1], "scraped-ops/s")
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "scraped/none")
	b.ReportMetric(ratios[0], "min-scraped/none")
	b.ReportMetric(ratios[len(ratios)-1], "max-scraped/none")
}
