package expose

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/targettest"
	"github.com/haktop/haktop/workload"
)

// fakeReading is targettest's fake after tick ticks, its gate on.
func fakeReading(tick, epoch int, start time.Time) live.Reading {
	s := targettest.Schema("1")
	return live.Reading{
		Schema: s, Snap: targettest.Snapshot(&s, tick, true), Epoch: epoch, EpochStart: start, Workload: "fake_loop",
		Verdicts: []profile.GateVerdict{{Gate: s.Gates[0], Verdict: profile.Active}},
	}
}

// The fake target's 3 classes and 2 counters come out as the schema says:
// its calls and free roles as haktop_alloc_calls_total and
// haktop_free_calls_total, exactly the snapshot's values, and nothing for
// roles it has not.
func TestMetricsOfTheFakeTarget(t *testing.T) {
	start := time.Unix(1700000000, 0)
	m := NewMetrics(func(bool) live.Reading { return fakeReading(3, 0, start) }, Options{})
	want := `
# HELP haktop_alloc_calls_total Allocation calls per size class.
# TYPE haktop_alloc_calls_total counter
haktop_alloc_calls_total{class="huge"} 9000
haktop_alloc_calls_total{class="medium"} 6000
haktop_alloc_calls_total{class="small"} 3000
# HELP haktop_free_calls_total Free calls per size class.
# TYPE haktop_free_calls_total counter
haktop_free_calls_total{class="huge"} 9000
haktop_free_calls_total{class="medium"} 6000
haktop_free_calls_total{class="small"} 3000
# HELP haktop_path_hits_total Hits per allocator code path.
# TYPE haktop_path_hits_total counter
haktop_path_hits_total{path="plain"} 9000
haktop_path_hits_total{path="turbo"} 6000
# HELP haktop_invalid_frees_total Frees refused as invalid, by kind.
# TYPE haktop_invalid_frees_total counter
haktop_invalid_frees_total{kind="bad_free"} 0
# HELP haktop_ops_total Workload operations (allocator calls) done.
# TYPE haktop_ops_total counter
haktop_ops_total 36000
# HELP haktop_gate_info Every env gate with its effective value, its source and its verdict (NEVER EXECUTED: the gate enables a path that never ran).
# TYPE haktop_gate_info gauge
haktop_gate_info{env="FAKE_TURBO",source="env",value="1",verdict="ACTIVE"} 1
# HELP haktop_class_info Every size class with its tier and request sizes (max_bytes 0: unbounded).
# TYPE haktop_class_info gauge
haktop_class_info{class="huge",max_bytes="0",min_bytes="4097",tier="mmap"} 1
haktop_class_info{class="medium",max_bytes="4096",min_bytes="65",tier="slab"} 1
haktop_class_info{class="small",max_bytes="64",min_bytes="1",tier="slab"} 1
# HELP haktop_heaps Heaps (threads with their own cache) the counters cover.
# TYPE haktop_heaps gauge
haktop_heaps 1
# HELP haktop_epoch_start_time_seconds When the target's counters last started from zero (its start or latest restart), in Unix seconds.
# TYPE haktop_epoch_start_time_seconds gauge
haktop_epoch_start_time_seconds 1.7e+09
# HELP haktop_target_restarts_total Restarts of the target (gate toggles, workload switches); each starts its counters from zero.
# TYPE haktop_target_restarts_total counter
haktop_target_restarts_total 0
`
	names := []string{"haktop_alloc_calls_total", "haktop_free_calls_total", "haktop_alloc_fast_total", "haktop_alloc_refill_total",
		"haktop_path_hits_total", "haktop_invalid_frees_total", "haktop_ops_total", "haktop_gate_info", "haktop_class_info",
		"haktop_heaps", "haktop_epoch_start_time_seconds", "haktop_target_restarts_total"}
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	info := testutil.ToFloat64(prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) {
		for mt := range collect(m) {
			if strings.Contains(mt.Desc().String(), TargetInfoMetric) {
				ch <- mt
			}
		}
	}))
	if info != 1 {
		t.Errorf("haktop_target_info = %v, want 1", info)
	}
}

// collect returns every metric m sends in one scrape.
func collect(m prometheus.Collector) chan prometheus.Metric {
	ch := make(chan prometheus.Metric, 1024)
	m.Collect(ch)
	close(ch)
	return ch
}

// values returns one scrape's counter and gauge values by metric name and
// its labels in name order ("class=C3"), and each counter's created time.
func values(t *testing.T, c prometheus.Collector) (map[string]float64, map[string]time.Time) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out, created := map[string]float64{}, map[string]time.Time{}
	for _, f := range fams {
		for _, mt := range f.Metric {
			key := f.GetName() + labelKey(mt)
			switch {
			case mt.Counter != nil:
				out[key] = mt.Counter.GetValue()
				if ct := mt.Counter.CreatedTimestamp; ct != nil {
					created[key] = ct.AsTime()
				}
			case mt.Gauge != nil:
				out[key] = mt.Gauge.GetValue()
			}
		}
	}
	return out, created
}

func labelKey(m *dto.Metric) string {
	var parts []string
	for _, l := range m.Label {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// A counter never goes down within an epoch (a torn live read is held at
// its high-water mark) and starts again from the new epoch's values at a
// restart, with the new epoch's start as its created time: Prometheus reads
// the drop as a counter reset, so rate() stays right.
func TestCountersFollowEpochs(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	t1 := t0.Add(time.Minute)
	r := fakeReading(5, 0, t0)
	m := NewMetrics(func(bool) live.Reading { return r }, Options{})
	key := `haktop_alloc_calls_total{class=small}`

	v, created := values(t, m)
	if v[key] != 5000 || !created[key].Equal(t0) {
		t.Fatalf("epoch 0: %s = %v created %v, want 5000 created %v", key, v[key], created[key], t0)
	}
	r = fakeReading(4, 0, t0) // a read that dipped within the epoch
	if v, _ = values(t, m); v[key] != 5000 || v["haktop_ops_total{}"] != 60000 {
		t.Fatalf("a dip within the epoch: %s = %v, ops %v; want 5000 and 60000 (held)", key, v[key], v["haktop_ops_total{}"])
	}
	r = fakeReading(6, 0, t0)
	if v, _ = values(t, m); v[key] != 6000 {
		t.Fatalf("epoch 0 moving on: %s = %v, want 6000", key, v[key])
	}
	r = fakeReading(1, 1, t1) // a restart: counters from zero again
	v, created = values(t, m)
	if v[key] != 1000 || !created[key].Equal(t1) || v["haktop_target_restarts_total{}"] != 1 || v["haktop_epoch_start_time_seconds{}"] != float64(t1.Unix()) {
		t.Fatalf("epoch 1: %s = %v created %v, restarts %v, start %v; want 1000 created %v, 1 restart, start %d",
			key, v[key], created[key], v["haktop_target_restarts_total{}"], v["haktop_epoch_start_time_seconds{}"], t1, t1.Unix())
	}
}

// A target whose counters are compiled out exports none of them: their
// zeros were never measured.
func TestNoCountersWhenNotCounted(t *testing.T) {
	r := fakeReading(5, 0, time.Unix(1700000000, 0))
	r.Schema.Counted = false
	v, _ := values(t, NewMetrics(func(bool) live.Reading { return r }, Options{}))
	for k := range v {
		if strings.HasPrefix(k, "haktop_alloc_calls_total") || strings.HasPrefix(k, "haktop_path_hits_total") {
			t.Errorf("%s exported for a target without counters", k)
		}
	}
	if _, ok := v[`haktop_target_info{command=,counted=false,haktop_version=`+sampler.Version()+`,target=fake,workload=fake_loop}`]; !ok {
		t.Errorf("no target_info saying counted=false: %v", v)
	}
}

// needCounters skips a test of the exported counters in a build without them.
func needCounters(t *testing.T) {
	if !allocator.StatsCompiled {
		t.Skip("counters compiled out (haktop_nostats): the collector exports none (TestNoCountersWhenNotCounted)")
	}
}

// engineAfter runs spec to its end on the embedded allocator with pool v2
// enabled and returns the engine once its latest sample holds the run's
// flushed totals.
func engineAfter(t testing.TB, spec workload.Spec, profiling bool) *live.Engine {
	t.Helper()
	cfg := embedded.DefaultConfig()
	if err := cfg.Set("HAKMEM_POOL_V2_ENABLED", "1"); err != nil {
		t.Fatal(err)
	}
	e, err := live.NewEngine(live.EngineConfig{Spec: spec, Alloc: cfg, Interval: 10 * time.Millisecond, Profile: profiling, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if spec.Cycles == 0 {
		return e
	}
	e.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for e.Reading(false).Snap.Ops != spec.Cycles {
		if time.Now().After(deadline) {
			t.Fatalf("no sample with the run's %d ops after 10s: %d", spec.Cycles, e.Reading(false).Snap.Ops)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return e
}

// The embedded allocator after a finished tiny_hot run of 64-byte blocks:
// every call is class C3's (half allocs, half frees; a multiple of the
// 64-call batch leaves nothing to drain), the exported counters are the
// flushed snapshot's exactly, and pool v2, enabled but never reached, is
// NEVER EXECUTED.
func TestMetricsOfTheEmbeddedAllocator(t *testing.T) {
	needCounters(t)
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Cycles = 64 * 3200
	e := engineAfter(t, spec, false)
	r := e.Reading(false)
	v, created := values(t, NewMetrics(e.Reading, Options{}))

	half := float64(spec.Cycles / 2)
	if got := v[`haktop_alloc_calls_total{class=C3}`]; got != half {
		t.Errorf("alloc_calls C3 = %v, want %v", got, half)
	}
	if got := v[`haktop_free_calls_total{class=C3}`]; got != half {
		t.Errorf("free_calls C3 = %v, want %v", got, half)
	}
	if got := v[`haktop_ops_total{}`]; got != float64(spec.Cycles) {
		t.Errorf("ops = %v, want %d", got, spec.Cycles)
	}
	n := len(r.Schema.Counters)
	for c, class := range r.Schema.Classes {
		for k, counter := range r.Schema.Counters {
			key := RoleMetric[counter.Role] + "{class=" + class.Name + "}"
			if got, want := v[key], float64(r.Snap.At(c, k, n)); got != want {
				t.Errorf("%s = %v, want the snapshot's %v", key, got, want)
			}
			if class.Name != "C3" && v[key] != 0 {
				t.Errorf("%s = %v: tiny_hot at 64 bytes uses C3 only", key, v[key])
			}
			if !created[key].Equal(r.EpochStart) {
				t.Errorf("%s created %v, want the epoch's start %v", key, created[key], r.EpochStart)
			}
		}
	}
	for p, path := range r.Schema.Paths {
		key := PathHitsMetric + "{path=" + path.ID + "}"
		if got, want := v[key], float64(r.Snap.Paths[p]); got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if v[`haktop_gate_info{env=HAKMEM_POOL_V2_ENABLED,source=code,value=1,verdict=NEVER EXECUTED}`] != 1 {
		var gates []string
		for k := range v {
			if strings.HasPrefix(k, GateInfoMetric) {
				gates = append(gates, k)
			}
		}
		t.Errorf("pool v2 is not NEVER EXECUTED under tiny_hot: %v", gates)
	}
}

// With the worker label, each worker's class counters come from its own
// heap, and they add up to the whole allocator's.
func TestWorkerLabel(t *testing.T) {
	needCounters(t)
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Workers, spec.Cycles = 2, 64*3200
	e := engineAfter(t, spec, false)
	v, _ := values(t, NewMetrics(e.Reading, Options{WorkerLabel: true}))
	w0, w1 := v[`haktop_alloc_calls_total{class=C3,worker=0}`], v[`haktop_alloc_calls_total{class=C3,worker=1}`]
	if w0 == 0 || w1 == 0 || w0+w1 != float64(spec.Cycles/2) {
		t.Errorf("alloc_calls C3 by worker: %v + %v, want two shares of %d", w0, w1, spec.Cycles/2)
	}
	if _, ok := v[`haktop_alloc_calls_total{class=C3}`]; ok {
		t.Errorf("an unlabelled series beside the worker ones")
	}
}

// A gate toggle restarts the embedded allocator: the exported counters
// start again from the new allocator's (lower) values, restarts_total
// counts it, and the counters' created time and the epoch start move to
// the restart, so Prometheus reads a counter reset.
func TestGateToggleIsACounterReset(t *testing.T) {
	needCounters(t)
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Cycles = 0
	e := engineAfter(t, spec, false)
	m := NewMetrics(e.Reading, Options{})
	key := `haktop_alloc_calls_total{class=C3}`
	deadline := time.Now().Add(10 * time.Second)
	var before map[string]float64
	for before, _ = values(t, m); before[key] < 1e6; before, _ = values(t, m) {
		if time.Now().After(deadline) {
			t.Fatalf("C3 made %v calls in 10 s", before[key])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := e.Apply(live.Command{Kind: live.CmdToggleGate, Env: "HAKMEM_POOL_V2_ENABLED"}); err != nil {
		t.Fatal(err)
	}
	after, created := values(t, m)
	if after[key] >= before[key] || after["haktop_target_restarts_total{}"] != 1 {
		t.Errorf("after the toggle: %s = %v (before %v), restarts %v; want fewer calls and 1 restart", key, after[key], before[key], after["haktop_target_restarts_total{}"])
	}
	if start := after["haktop_epoch_start_time_seconds{}"]; start <= before["haktop_epoch_start_time_seconds{}"] || !created[key].Equal(e.Reading(false).EpochStart) {
		t.Errorf("epoch start %v (before %v), %s created %v; want a later start, the counter created at it", start, before["haktop_epoch_start_time_seconds{}"], key, created[key])
	}
	if after[`haktop_gate_info{env=HAKMEM_POOL_V2_ENABLED,source=default,value=0,verdict=OFF}`] != 1 {
		t.Errorf("pool v2 is not back at its default, OFF, after the toggle")
	}
}
