package profile

// BenchmarkProfilingCost: random_mixed with the Collector off and on, in
// one run, so the cost of profiling is read as a ratio of the two (issue
// 5's bound: at most 5% of ops/s). -count repeats each; compare medians:
//
//	go test -run '^$' -bench ProfilingCost -benchtime 3s -count 5 ./profile/

import (
	"context"
	"testing"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/workload"
)

func BenchmarkProfilingCost(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			a, err := allocator.New(allocator.DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			var c *Collector
			if on {
				if c, err = NewCollector(DefaultWindow, &embeddedSchema); err != nil {
					b.Fatal(err)
				}
				if err := c.Start(); err != nil {
					b.Fatal(err)
				}
			}
			spec := workload.DefaultSpec(workload.RandomMixed)
			spec.Cycles = int64(b.N)
			b.ResetTimer()
			r, err := workload.Start(context.Background(), a, spec)
			if err != nil {
				b.Fatal(err)
			}
			res := r.Wait()
			b.StopTimer()
			if c != nil {
				if err := c.Stop(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(res.OpsPerSec(), "ops/s")
		})
	}
}
