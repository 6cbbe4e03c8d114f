package live

// Recordings the live view starts with r: what they count and when their
// clock starts.

import (
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// TestEngineRecordingStartsAtZero presses r after a finite run has ended:
// nothing happens after r, so the recording counts nothing, and its clock
// starts at r, not at the session's start.
func TestEngineRecordingStartsAtZero(t *testing.T) {
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Cycles = 200_000
	e, err := NewEngine(EngineConfig{Spec: spec, Alloc: embedded.DefaultConfig(), Interval: 20 * time.Millisecond, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	e.Wait()
	time.Sleep(300 * time.Millisecond) // the session's clock runs on
	apply(t, e, Command{Kind: CmdRecord})
	path := e.Frame().Status.Recording
	waitFrame(t, e, e.Frame().Seq+3, "samples", func(Frame) bool { return true })
	apply(t, e, Command{Kind: CmdRecord})
	rec, err := sampler.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Samples) < 2 || rec.Footer == nil {
		t.Fatalf("%d samples, footer %v", len(rec.Samples), rec.Footer)
	}
	totals := rec.Footer.Totals.Snapshot()
	tot := embedded.Allocator(&rec.Header.Schema, &totals)
	if ops := rec.Footer.Totals.Ops; ops != 0 || tot.Classes[3].AllocCalls != 0 || tot.Paths[allocator.PathTinyFast] != 0 {
		t.Errorf("recording after the run ended counts %d ops, %d C3 allocs, %d tiny_fast hits: want 0 (all happened before r)",
			ops, tot.Classes[3].AllocCalls, tot.Paths[allocator.PathTinyFast])
	}
	if first := rec.Samples[0]; first.Seq != 0 || first.Epoch != 0 || first.EpochStart != 0 || first.Elapsed > 200*time.Millisecond {
		t.Errorf("first sample: seq %d, epoch %d from %v, elapsed %v; want seq 0, epoch 0 from 0s, within 200ms of r",
			first.Seq, first.Epoch, first.EpochStart, first.Elapsed)
	}
}
