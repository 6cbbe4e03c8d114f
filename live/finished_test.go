package live

// A finite run that ends in the live view: the view keeps the run's last
// rates instead of dropping to the zeros of an idle allocator.

import (
	"testing"
	"time"

	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

func TestEngineFinishedRunKeepsItsRates(t *testing.T) {
	skipWithoutCounters(t)
	for _, tc := range []struct {
		name string
		spec func(*workload.Spec)
	}{
		{"runs several intervals", func(s *workload.Spec) { s.Cycles, s.Duration = 0, 300*time.Millisecond }},
		{"ends before the first frame", func(s *workload.Spec) { s.Cycles = 2000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := workload.DefaultSpec(workload.TinyHot)
			tc.spec(&spec)
			e, err := NewEngine(EngineConfig{Spec: spec, Alloc: embedded.DefaultConfig(), Interval: 20 * time.Millisecond, Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Close() })
			e.Wait()
			seq := waitFrame(t, e, 0, "the finish noted", func(f Frame) bool { return f.Status.Note != "" }).Seq
			f := waitFrame(t, e, seq+5, "five idle intervals later", func(Frame) bool { return true })
			if f.OpsPerSec <= 0 || allocsPerSec(f, 3) <= 0 {
				t.Errorf("after the run ended: %v ops/s, C3 %v alloc/s; want the run's last rates, not 0 (note %q)",
					f.OpsPerSec, allocsPerSec(f, 3), f.Status.Note)
			}
		})
	}
}
