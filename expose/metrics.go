package expose

// Metrics: a prometheus.Collector that reads a session's latest Reading on
// each scrape and turns it into const metrics. Nothing is updated per sample
// or per allocation: the workload's hot path never sees Prometheus, and a
// scrape costs one Reading plus one pass over the target's Schema.
//
// The metrics are generic over the Schema: one counter metric per counter
// role (RoleMetric below names them), labelled by class (and by worker,
// when asked); path hits by path; invalid frees by kind. Every name and
// label key is defined once, here.
//
// Counter resets. The counters of a target restart from 0 when it restarts
// (a gate toggle, a workload switch: a new epoch). Prometheus reads any
// decrease of a counter as a reset, so rate() and increase() stay right
// across epochs; within an epoch a counter must never go down, so each
// series keeps its epoch's high-water mark (a live snapshot of heaps that
// publish on their own schedules could otherwise dip). Each counter carries
// the epoch's start as its created timestamp, and
// haktop_epoch_start_time_seconds and haktop_target_restarts_total say when
// and how often the target restarted.

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
)

// Label keys.
const (
	LabelClass   = "class"
	LabelWorker  = "worker"
	LabelPath    = "path"
	LabelKind    = "kind"
	LabelCounter = "counter"
)

// RoleMetric names the counter metric of each counter role. A counter of
// RoleOther goes to OtherCounterMetric under its own name (label counter).
var RoleMetric = map[target.Role]string{
	target.RoleCalls:        "haktop_alloc_calls_total",
	target.RoleFast:         "haktop_alloc_fast_total",
	target.RoleRefill:       "haktop_alloc_refill_total",
	target.RoleRefillFail:   "haktop_alloc_refill_fail_total",
	target.RoleFallback:     "haktop_alloc_fallback_total",
	target.RoleFree:         "haktop_free_calls_total",
	target.RoleFreeFast:     "haktop_free_fast_total",
	target.RoleRemote:       "haktop_free_remote_total",
	target.RoleFreeFallback: "haktop_free_fallback_total",
}

// roleHelp says what each role's metric counts.
var roleHelp = map[target.Role]string{
	target.RoleCalls:        "Allocation calls per size class.",
	target.RoleFast:         "Allocations served by the fast path per size class.",
	target.RoleRefill:       "Allocations that refilled a cache per size class.",
	target.RoleRefillFail:   "Cache refills that failed per size class.",
	target.RoleFallback:     "Allocations served by a fallback tier per size class.",
	target.RoleFree:         "Free calls per size class.",
	target.RoleFreeFast:     "Frees taken by the fast path per size class.",
	target.RoleRemote:       "Frees of another heap's block per size class.",
	target.RoleFreeFallback: "Frees handed to a fallback tier per size class.",
}

// The other metric names.
const (
	OtherCounterMetric = "haktop_class_counter_total"
	PathHitsMetric     = "haktop_path_hits_total"
	InvalidFreesMetric = "haktop_invalid_frees_total"
	OpsMetric          = "haktop_ops_total"
	RSSMetric          = "haktop_resident_memory_bytes"
	HeapsMetric        = "haktop_heaps"
	EpochStartMetric   = "haktop_epoch_start_time_seconds"
	RestartsMetric     = "haktop_target_restarts_total"
	GateInfoMetric     = "haktop_gate_info"
	TargetInfoMetric   = "haktop_target_info"
	ClassInfoMetric    = "haktop_class_info"
)

// Options configure Metrics.
type Options struct {
	// WorkerLabel labels the class counters and path hits by worker
	// (worker="0", ...), from each worker's own counters, instead of the
	// whole target's. Off by default: labels stay bounded by the schema.
	WorkerLabel bool
}

// Metrics is the collector.
type Metrics struct {
	read    func(workers bool) live.Reading
	opts    Options
	version string

	roleDesc    map[target.Role]*prometheus.Desc
	otherDesc   *prometheus.Desc
	pathDesc    *prometheus.Desc
	invalidDesc *prometheus.Desc
	opsDesc     *prometheus.Desc
	rssDesc     *prometheus.Desc
	heapsDesc   *prometheus.Desc
	startDesc   *prometheus.Desc
	restartDesc *prometheus.Desc
	gateDesc    *prometheus.Desc
	targetDesc  *prometheus.Desc
	classDesc   *prometheus.Desc

	mu    sync.Mutex // one scrape at a time: the high-water marks below
	epoch int
	start time.Time
	high  map[series]uint64
}

// series identifies one counter series for its high-water mark.
type series struct {
	metric string
	worker int // -1: the whole target
	index  int // class*counters+counter, path, or kind
}

// NewMetrics returns a collector over read, which returns the session's
// latest Reading (with each worker's counters when asked).
func NewMetrics(read func(workers bool) live.Reading, opts Options) *Metrics {
	m := &Metrics{read: read, opts: opts, version: sampler.Version(), roleDesc: map[target.Role]*prometheus.Desc{}, high: map[series]uint64{}}
	classLabels := []string{LabelClass}
	pathLabels := []string{LabelPath}
	if opts.WorkerLabel {
		classLabels = append(classLabels, LabelWorker)
		pathLabels = append(pathLabels, LabelWorker)
	}
	for role, name := range RoleMetric {
		m.roleDesc[role] = prometheus.NewDesc(name, roleHelp[role], classLabels, nil)
	}
	m.otherDesc = prometheus.NewDesc(OtherCounterMetric, "A target's per-class counters that have no role, by name.", append([]string{LabelCounter}, classLabels...), nil)
	m.pathDesc = prometheus.NewDesc(PathHitsMetric, "Hits per allocator code path.", pathLabels, nil)
	m.invalidDesc = prometheus.NewDesc(InvalidFreesMetric, "Frees refused as invalid, by kind.", []string{LabelKind}, nil)
	m.opsDesc = prometheus.NewDesc(OpsMetric, "Workload operations (allocator calls) done.", nil, nil)
	m.rssDesc = prometheus.NewDesc(RSSMetric, "Resident set size of the observed process.", nil, nil)
	m.heapsDesc = prometheus.NewDesc(HeapsMetric, "Heaps (threads with their own cache) the counters cover.", nil, nil)
	m.startDesc = prometheus.NewDesc(EpochStartMetric, "When the target's counters last started from zero (its start or latest restart), in Unix seconds.", nil, nil)
	m.restartDesc = prometheus.NewDesc(RestartsMetric, "Restarts of the target (gate toggles, workload switches); each starts its counters from zero.", nil, nil)
	m.gateDesc = prometheus.NewDesc(GateInfoMetric, "Every env gate with its effective value, its source and its verdict (NEVER EXECUTED: the gate enables a path that never ran).", []string{"env", "value", "source", "verdict"}, nil)
	m.targetDesc = prometheus.NewDesc(TargetInfoMetric, "The observed target, its workload or command, and haktop's version.", []string{"target", "workload", "command", "haktop_version", "counted"}, nil)
	m.classDesc = prometheus.NewDesc(ClassInfoMetric, "Every size class with its tier and request sizes (max_bytes 0: unbounded).", []string{LabelClass, "tier", "min_bytes", "max_bytes"}, nil)
	return m
}

// Describe sends nothing: the series follow the target's Schema, so this
// is an unchecked collector.
func (m *Metrics) Describe(chan<- *prometheus.Desc) {}

// Collect reads the session once and sends every metric.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	r := m.read(m.opts.WorkerLabel)
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Epoch != m.epoch || !r.EpochStart.Equal(m.start) {
		m.epoch, m.start = r.Epoch, r.EpochStart
		clear(m.high)
	}
	s := &r.Schema
	ch <- prometheus.MustNewConstMetric(m.targetDesc, prometheus.GaugeValue, 1, s.Target, r.Workload, r.Command, m.version, strconv.FormatBool(s.Counted))
	for _, c := range s.Classes {
		ch <- prometheus.MustNewConstMetric(m.classDesc, prometheus.GaugeValue, 1, c.Name, c.Tier, strconv.Itoa(c.Min), strconv.Itoa(c.Max))
	}
	for i, g := range s.Gates {
		verdict := ""
		if i < len(r.Verdicts) && r.Verdicts[i].Env == g.Env {
			verdict = string(r.Verdicts[i].Verdict)
		}
		ch <- prometheus.MustNewConstMetric(m.gateDesc, prometheus.GaugeValue, 1, g.Env, g.Value, g.Source, verdict)
	}
	ch <- prometheus.MustNewConstMetric(m.startDesc, prometheus.GaugeValue, float64(r.EpochStart.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(m.restartDesc, prometheus.CounterValue, float64(r.Epoch))
	ch <- prometheus.MustNewConstMetric(m.rssDesc, prometheus.GaugeValue, float64(r.Snap.Proc.RSSBytes))
	ch <- prometheus.MustNewConstMetric(m.heapsDesc, prometheus.GaugeValue, float64(r.Snap.Heaps))
	ch <- m.counter(m.opsDesc, series{OpsMetric, -1, 0}, uint64(max(r.Snap.Ops, 0)))
	if !s.Counted {
		return // counters compiled out: every one reads 0, which was never measured
	}
	for k, kind := range s.Invalid {
		ch <- m.counter(m.invalidDesc, series{InvalidFreesMetric, -1, k}, r.Snap.Invalid[k], kind)
	}
	if m.opts.WorkerLabel {
		for w := range r.Workers {
			m.classCounters(ch, s, &r.Workers[w], w)
		}
		return
	}
	m.classCounters(ch, s, &r.Snap, -1)
}

// classCounters sends snap's class counters and path hits, labelled by
// worker w unless w < 0.
func (m *Metrics) classCounters(ch chan<- prometheus.Metric, s *target.Schema, snap *target.Snapshot, w int) {
	var worker []string
	if w >= 0 {
		worker = []string{strconv.Itoa(w)}
	}
	n := len(s.Counters)
	for k, counter := range s.Counters {
		desc, ok := m.roleDesc[counter.Role]
		for c, class := range s.Classes {
			v := snap.At(c, k, n)
			key := series{RoleMetric[counter.Role], w, c*n + k}
			if !ok {
				key.metric = OtherCounterMetric
				ch <- m.counter(m.otherDesc, key, v, append([]string{counter.Name, class.Name}, worker...)...)
				continue
			}
			ch <- m.counter(desc, key, v, append([]string{class.Name}, worker...)...)
		}
	}
	for p, path := range s.Paths {
		ch <- m.counter(m.pathDesc, series{PathHitsMetric, w, p}, snap.Paths[p], append([]string{path.ID}, worker...)...)
	}
}

// counter returns a counter of value v that never goes below the series'
// earlier values in the epoch, created at the epoch's start; m.mu is held.
func (m *Metrics) counter(desc *prometheus.Desc, key series, v uint64, labels ...string) prometheus.Metric {
	if h := m.high[key]; h > v {
		v = h
	}
	m.high[key] = v
	if m.start.IsZero() { // a source that does not know when its counters started
		return prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
	}
	return prometheus.MustNewConstMetricWithCreatedTimestamp(desc, prometheus.CounterValue, float64(v), m.start, labels...)
}
