package main

// Test helpers for the documents whose class rows are written in their
// schema's order (report's and diff's): they read back as maps, and
// embedded-allocator fixtures convert through target/embedded.

import (
	"encoding/json"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
)

// jsonClass is one class row of report --json or diff --json.
type jsonClass map[string]any

// n returns the row's count called name.
func (c jsonClass) n(name string) uint64 { v, _ := c[name].(float64); return uint64(v) }

// f returns the number at the path of keys, e.g. f("mean", "alloc_calls").
func (c jsonClass) f(keys ...string) float64 {
	var v any = map[string]any(c)
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	x, _ := v.(float64)
	return x
}

// diff returns the row's diff value called name.
func (c jsonClass) diff(name string) diffValue {
	b, _ := json.Marshal(c[name])
	var v diffValue
	json.Unmarshal(b, &v)
	return v
}

// reportJSON is report --json read back.
type reportJSON struct {
	reportDoc
	Classes  []jsonClass   `json:"classes"`
	Segments []segmentJSON `json:"segments"`
}

type segmentJSON struct {
	reportSegment
	Classes []jsonClass `json:"classes"`
}

// diffJSON is diff --json read back.
type diffJSON struct {
	diffDoc
	Classes []jsonClass `json:"classes"`
}

// embeddedSnap returns a, an embedded allocator's snapshot, as the
// sampler's, with ops.
func embeddedSnap(a allocator.Snapshot, ops int64) target.Snapshot {
	s := embedded.Of(&a)
	s.Ops = ops
	return s
}

// embeddedTotals returns rec's footer totals in the embedded allocator's layout.
func embeddedTotals(rec *sampler.Recording) allocator.Snapshot {
	t := rec.Footer.Totals.Snapshot()
	return embedded.Allocator(&rec.Header.Schema, &t)
}

// gateValues returns cfg's gates as a recording's header holds them.
func gateValues(cfg allocator.Config) []target.Gate { return sampler.GateValues(embedded.Gates(cfg)) }
