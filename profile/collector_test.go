package profile

import (
	"bytes"
	"context"
	"errors"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/workload"
)

func TestNewCollectorWindow(t *testing.T) {
	for _, w := range []time.Duration{0, 50 * time.Millisecond, 6 * time.Second} {
		if _, err := NewCollector(w, &embeddedSchema); err == nil || !strings.Contains(err.Error(), "from 100ms to 5s") {
			t.Errorf("NewCollector(%v) error = %v, want the accepted range", w, err)
		}
	}
}

// A Collector over a real random_mixed run: windows rotate, samples land on
// allocator paths under the workload's labels, the merged profile holds
// every window, and a second profiler is refused while it runs.
func TestCollectorRandomMixed(t *testing.T) {
	c, err := NewCollector(MinWindow, &embeddedSchema)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(new(bytes.Buffer)); err == nil {
		pprof.StopCPUProfile()
		t.Error("runtime/pprof accepted a second CPU profile while the Collector runs")
	}
	if c2, _ := NewCollector(MinWindow, &embeddedSchema); !errors.Is(c2.Start(), ErrProfilerBusy) {
		t.Error("a second Collector started while the first runs")
	}
	if _, ok := c.Latest(); ok {
		t.Error("Latest reported a window before any closed")
	}

	labelled := func(total Attribution) bool {
		for _, w := range total.Workers {
			if w.Workload == workload.RandomMixed && w.Worker == "0" && w.Samples > 0 {
				return true
			}
		}
		return false
	}
	profileUntil(t, c, workload.RandomMixed, func() bool {
		total := c.Total()
		d, _ := total.Row(KeyDispatch)
		return c.Windows() >= 3 && d.Samples > 0 && labelled(total)
	})
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	latest, ok := c.Latest()
	total := c.Total()
	if !ok || total.Samples < latest.Samples || total.Samples == 0 {
		t.Fatalf("latest %d samples, total %d", latest.Samples, total.Samples)
	}
	assertSums(t, total.Rows, total.Samples)
	// Alloc and Free, with the tiny fast paths inlined into them, are the
	// entry code: their samples are dispatch's, none tiny_fast's.
	if d, _ := total.Row(KeyDispatch); d.Samples == 0 || total.Rows[allocator.PathTinyFast].Samples != 0 {
		t.Errorf("dispatch %d, tiny_fast %d samples in a random_mixed run, want some and none: %+v", d.Samples, total.Rows[allocator.PathTinyFast].Samples, total.Rows)
	}
	if !labelled(total) {
		t.Errorf("no samples labelled random_mixed/0: %+v", total.Workers)
	}

	var buf bytes.Buffer
	if err := c.WriteMerged(&buf); err != nil {
		t.Fatal(err)
	}
	p, err := pprofile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckValid(); err != nil {
		t.Fatal(err)
	}
	if got := Attribute(p, &embeddedSchema); got.Samples != total.Samples {
		t.Errorf("written profile has %d samples, Total %d", got.Samples, total.Samples)
	}

	// The profiler is free again.
	if err := pprof.StartCPUProfile(new(bytes.Buffer)); err != nil {
		t.Errorf("profiler still busy after Stop: %v", err)
	}
	pprof.StopCPUProfile()
	if err := c.Start(); err == nil {
		t.Error("a stopped Collector started again")
	}
}

// profileUntil runs name's workload on fresh allocators, 300 ms at a time,
// while c profiles, until done reports true; it fails after 60 s. A fixed
// run length would make the test depend on how busy the machine is: under
// load a 600 ms run may close fewer windows or draw no allocator sample.
func profileUntil(t *testing.T, c *Collector, name string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("60 s of %s did not give the profile the test needs: %d windows, %+v", name, c.Windows(), c.Total().Rows)
		}
		a, err := allocator.New(allocator.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		spec := workload.DefaultSpec(name)
		spec.Cycles, spec.Duration = 0, 300*time.Millisecond
		r, err := workload.Start(context.Background(), a, spec)
		if err != nil {
			t.Fatal(err)
		}
		if res := r.Wait(); res.Err != nil {
			t.Fatal(res.Err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteMergedBeforeAnyWindow(t *testing.T) {
	c, _ := NewCollector(time.Second, &embeddedSchema)
	if err := c.WriteMerged(new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "no CPU profile window") {
		t.Errorf("WriteMerged before a window = %v", err)
	}
}
