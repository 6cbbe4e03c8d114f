package main

// `haktop report FILE [--json]`: one recorded session summarised, of any
// target (the embedded allocator's workloads, a command under the preload
// shim, a test's fake): its classes, counters and paths are the recording's
// schema's, and the columns follow the counters' roles. The reportDoc is
// built once (newReport) and either encoded as one JSON object or rendered
// as text, so the two always agree. The gates section is built by
// gatesOfReport alone: that is where gate verdicts belong.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
	"github.com/haktop/haktop/workload"
)

func newReportCommand(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "report FILE",
		Short: "Summarise a recorded session: per-class totals and rates, paths, gates",
		Long: "report reads a session file written by record (plain or .gz) and prints, per size\n" +
			"class, the counter totals, the fast-hit ratio and the mean and peak alloc rates; per\n" +
			"code path, its hits and hit rates; and every gate with its value and source.\n" +
			"A session across a workload change (w, + or - in the live view) is reported per\n" +
			"segment, each workload with its own totals. A session cut short is reported up to\n" +
			"its last whole record, with a warning. A recording of a command (record -- CMD) is\n" +
			"reported in its own schema: a row per class it declares, columns by its counters' roles.\n" +
			"Exit status: 0 ok, 1 the file is not a readable session, 2 bad arguments.",
		Example: "  haktop report session.jsonl\n  haktop report session.jsonl.gz --json",
		Args:    fileArgs("report", 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rec, err := a.loadRecording(args[0])
			if err != nil {
				return err
			}
			doc := newReport(rec)
			return a.writeResult(asJSON, doc, func() string { return reportText(doc) })
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of tables")
	return cmd
}

// fileArgs requires exactly n session-file arguments.
func fileArgs(command string, n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		want := "one session FILE: haktop report FILE [--json]"
		if n == 2 {
			want = "two session files: haktop diff A B [--json]"
		}
		return usagef("%s takes %s (got %s)", command, want, textfmt.Count(len(args), "argument"))
	}
}

// reportDoc is report's JSON object. Field names are a public format: add
// fields, never rename them.
type reportDoc struct {
	File          string         `json:"file"`
	schema        *target.Schema // the recording's: what the classes, counters and paths are
	FormatVersion int            `json:"format_version"`
	Start         time.Time      `json:"start"`
	Haktop        string         `json:"haktop"`
	GoVersion     string         `json:"go"`
	OS            string         `json:"os"`
	Arch          string         `json:"arch"`
	CPUs          int            `json:"cpus"`
	GOMAXPROCS    int            `json:"gomaxprocs"`
	IntervalNS    int64          `json:"interval_ns"`
	StatsCompiled bool           `json:"stats_compiled"`
	Workload      reportSpec     `json:"workload"`
	Command       []string       `json:"command,omitempty"` // record -- CMD: the command line recorded
	Exit          *sampler.Exit  `json:"exit,omitempty"`    // and how it ended
	// Schema is the target's, for a target other than the embedded
	// allocator (whose classes and counters this haktop knows).
	Schema        *target.Schema `json:"schema,omitempty"`
	Samples       int            `json:"samples"`
	Epochs        int            `json:"epochs"`
	Seconds       float64        `json:"seconds"` // the time the counters cover
	Complete      bool           `json:"complete"`
	Ended         string         `json:"ended"` // the footer's reason, or "cut short"
	Warnings      []string       `json:"warnings"`
	Ops           int64          `json:"ops"`
	OpsPerSec     float64        `json:"ops_per_sec"`
	PeakOpsPerSec float64        `json:"peak_ops_per_sec"`
	Classes       []reportClass  `json:"classes"`
	Paths         []reportPath   `json:"paths"`
	Invalid       target.Counts  `json:"invalid"` // by the schema's kinds of invalid free
	Gates         reportGates    `json:"gates"`
	Events        []reportEvent  `json:"events"`
	Process       reportProcess  `json:"process"`
	// MixedWorkloads is true when the workload changed during the session
	// (w, + or - in the live view): the session-wide totals above add up
	// different workloads, and Segments holds each one's own.
	MixedWorkloads bool            `json:"mixed_workloads,omitempty"`
	Segments       []reportSegment `json:"segments,omitempty"`
}

// reportSegment is one workload's part of a session (sampler.SegmentsOf),
// with its own totals and rates.
type reportSegment struct {
	Workload reportSpec `json:"workload"`
	// WorkloadRecorded is false when a restart into the segment did not
	// record its workload (an older haktop): it may mix workloads.
	WorkloadRecorded bool          `json:"workload_recorded"`
	FirstEpoch       int           `json:"first_epoch"`
	LastEpoch        int           `json:"last_epoch"`
	StartNS          int64         `json:"start_ns"`
	EndNS            int64         `json:"end_ns"`
	Seconds          float64       `json:"seconds"` // the time its counters cover
	Ops              int64         `json:"ops"`
	OpsPerSec        float64       `json:"ops_per_sec"`
	PeakOpsPerSec    float64       `json:"peak_ops_per_sec"`
	Classes          []reportClass `json:"classes"`
	Paths            []reportPath  `json:"paths"`
}

type reportSpec struct {
	Name       string `json:"name"`
	Workers    int    `json:"workers"`
	Cycles     int64  `json:"cycles"`
	DurationNS int64  `json:"duration_ns"`
	WS         int    `json:"ws"`
	Seed       uint32 `json:"seed"`
	Size       int    `json:"size"`
	MinSize    int    `json:"min_size"`
	MaxSize    int    `json:"max_size"`
}

// reportClass is one class row: totals over the session (every epoch) of
// each counter by its name, the session's fast-hit ratio, and mean and peak
// rates per second. Its JSON is an object in the schema's order (see
// MarshalJSON): "class", "size", "tier", each counter's total, "fast_ratio"
// when the schema counts calls and fast allocations, "mean", "peak".
type reportClass struct {
	Class     string
	Min, Max  int
	Tier      string
	NoFast    bool     // no fast path: no fast ratio to show
	Totals    []uint64 // per counter, in schema order
	FastRatio *float64 // fast/calls over the session; nil when the schema lacks either
	Mean      []float64
	Peak      []float64
	MeanFast  *float64
	PeakFast  *float64
	counters  []target.Counter
}

// Size is the class's size as report has always given it: its block size,
// or for a class without an upper bound the smallest request it serves.
func (c reportClass) Size() int {
	if c.Max == 0 {
		return c.Min
	}
	return c.Max
}

// total returns the class's total of the counter with role r, and whether
// the schema has one.
func (c reportClass) total(r target.Role) (uint64, bool) {
	for k, ctr := range c.counters {
		if ctr.Role == r {
			return c.Totals[k], true
		}
	}
	return 0, false
}

// rate returns the class's mean or peak rate of the counter with role r.
func (c reportClass) rate(rates []float64, r target.Role) float64 {
	for k, ctr := range c.counters {
		if ctr.Role == r {
			return rates[k]
		}
	}
	return 0
}

// rated reports whether the mean and peak objects rate a counter of role r:
// every counter but the free path's detail (free_fast, free_fallback), as
// report has always written them.
func rated(r target.Role) bool { return r != target.RoleFreeFast && r != target.RoleFreeFallback }

// MarshalJSON writes the class in the schema's order.
func (c reportClass) MarshalJSON() ([]byte, error) {
	var o orderedObject
	o.add("class", c.Class)
	o.add("size", c.Size())
	o.add("tier", c.Tier)
	for k, ctr := range c.counters {
		o.add(ctr.Name, c.Totals[k])
	}
	if c.FastRatio != nil {
		o.add("fast_ratio", *c.FastRatio)
	}
	for _, r := range []struct {
		name  string
		rates []float64
		fast  *float64
	}{{"mean", c.Mean, c.MeanFast}, {"peak", c.Peak, c.PeakFast}} {
		var m orderedObject
		for k, ctr := range c.counters {
			if rated(ctr.Role) {
				m.add(ctr.Name, r.rates[k])
			}
		}
		if r.fast != nil {
			m.add("fast_ratio", *r.fast)
		}
		o.add(r.name, json.RawMessage(m.bytes()))
	}
	return o.bytes(), o.err
}

// orderedObject builds a JSON object whose keys keep the order they are added in.
type orderedObject struct {
	b   []byte
	err error
}

func (o *orderedObject) add(key string, v any) {
	if len(o.b) > 0 {
		o.b = append(o.b, ',')
	}
	k, _ := json.Marshal(key)
	val, err := json.Marshal(v)
	if err != nil && o.err == nil {
		o.err = err
	}
	o.b = append(append(append(o.b, k...), ':'), val...)
}

func (o *orderedObject) bytes() []byte { return append(append([]byte{'{'}, o.b...), '}') }

type reportPath struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Hits uint64  `json:"hits"`
	Mean float64 `json:"mean_per_sec"`
	Peak float64 `json:"peak_per_sec"`
}

// reportGates are the gates at the start of the session, each the
// recorded gate with its verdicts (profile.RecordingVerdicts: from the
// first counter epoch's hits), printed in report's JSON shape: the gate's
// every field, then verdict and path_verdicts.
type reportGates []profile.GateVerdict

// reportGateJSON is one gate of report --json.
type reportGateJSON struct {
	target.Gate
	Verdict      profile.Verdict       `json:"verdict"`
	PathVerdicts []profile.PathVerdict `json:"path_verdicts"`
}

func (gs reportGates) MarshalJSON() ([]byte, error) {
	out := make([]reportGateJSON, len(gs))
	for i, g := range gs {
		out[i] = reportGateJSON{Gate: g.Gate, Verdict: g.Verdict, PathVerdicts: g.Paths}
	}
	return json.Marshal(out)
}

func (gs *reportGates) UnmarshalJSON(b []byte) error {
	var in []reportGateJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*gs = make(reportGates, len(in))
	for i, g := range in {
		(*gs)[i] = profile.GateVerdict{Gate: g.Gate, Verdict: g.Verdict, Paths: g.PathVerdicts}
	}
	return nil
}

type reportEvent struct {
	ElapsedNS int64         `json:"elapsed_ns"`
	Kind      string        `json:"kind"`
	Epoch     int           `json:"epoch"`
	Message   string        `json:"message,omitempty"`
	Gates     []target.Gate `json:"gates,omitempty"`
}

type reportProcess struct {
	PeakRSSBytes   uint64 `json:"peak_rss_bytes"`
	GCCycles       uint32 `json:"gc_cycles"`
	MaxGCPauseNS   int64  `json:"max_gc_pause_ns"`
	HeapInUseBytes uint64 `json:"heap_inuse_bytes"` // at the last sample
}

func toReportSpec(s workload.Spec) reportSpec {
	return reportSpec{s.Name, s.Workers, s.Cycles, int64(s.Duration), s.WS, s.Seed, s.Size, s.MinSize, s.MaxSize}
}

// newReport builds the report of rec.
func newReport(rec *sampler.Recording) reportDoc {
	h := rec.Header
	sc := &rec.Header.Schema
	sum := sampler.Summarize(sc, rec.Samples, h.Interval)
	doc := reportDoc{
		File: rec.Path, schema: sc, FormatVersion: h.Version, Start: h.Start, Haktop: h.Haktop, GoVersion: h.GoVersion,
		OS: h.OS, Arch: h.Arch, CPUs: h.CPUs, GOMAXPROCS: h.GOMAXPROCS, IntervalNS: int64(h.Interval),
		StatsCompiled: h.StatsCompiled, Workload: toReportSpec(h.Workload),
		Samples: sum.Samples, Epochs: sum.Epochs, Seconds: sum.Covered.Seconds(),
		Complete: rec.Footer != nil, Ended: "cut short", Warnings: append([]string{}, rec.Warnings...),
		Ops: sum.Totals.Ops, OpsPerSec: sum.OpsPerSec, PeakOpsPerSec: sum.PeakOpsPerSec,
		Invalid: target.CountsOf(sc.Invalid, sum.Totals.Invalid), Gates: gatesOfReport(rec, sum), Events: []reportEvent{},
		Process: reportProcess{PeakRSSBytes: sum.PeakRSS, GCCycles: sum.GCs, MaxGCPauseNS: int64(sum.MaxGCPause)},
	}
	if rec.Footer != nil {
		doc.Ended = rec.Footer.Reason
		doc.Exit = rec.Footer.Exit
	}
	doc.Command = h.Command
	if sc.Target != embedded.Name {
		doc.Schema = sc
	}
	if n := len(rec.Samples); n > 0 {
		doc.Process.HeapInUseBytes = rec.Samples[n-1].Snap.Proc.HeapInUse
	}
	doc.Classes, doc.Paths = reportClasses(sc, sum), reportPaths(sc, sum)
	segs := sampler.SegmentsOf(rec)
	unrecorded := false
	for _, sg := range segs {
		unrecorded = unrecorded || !sg.Known
	}
	if len(segs) > 1 || unrecorded {
		doc.MixedWorkloads = len(segs) > 1
		for _, sg := range segs {
			ss := sg.Summary
			doc.Segments = append(doc.Segments, reportSegment{
				Workload: toReportSpec(sg.Workload), WorkloadRecorded: sg.Known, FirstEpoch: sg.FirstEpoch, LastEpoch: sg.LastEpoch,
				StartNS: int64(sg.Start), EndNS: int64(sg.End), Seconds: ss.Covered.Seconds(),
				Ops: ss.Totals.Ops, OpsPerSec: ss.OpsPerSec, PeakOpsPerSec: ss.PeakOpsPerSec,
				Classes: reportClasses(sc, ss), Paths: reportPaths(sc, ss),
			})
		}
	}
	if unrecorded {
		doc.Warnings = append(doc.Warnings, rec.Path+": its restarts do not record their workload (written by an older haktop): if w, + or - was pressed, its totals mix workloads")
	}
	for _, e := range rec.Events {
		doc.Events = append(doc.Events, reportEvent{ElapsedNS: int64(e.Elapsed), Kind: e.Kind, Epoch: e.Epoch, Message: e.Message, Gates: e.Gates})
	}
	return doc
}

// reportClasses returns sum's class rows, shaped by sc: totals, fast-hit
// ratio, rates.
func reportClasses(sc *target.Schema, sum sampler.Summary) []reportClass {
	n := len(sc.Counters)
	calls, fast := sc.CounterOf(target.RoleCalls), sc.CounterOf(target.RoleFast)
	out := make([]reportClass, 0, len(sc.Classes))
	for c, cl := range sc.Classes {
		rc := reportClass{Class: cl.Name, Min: cl.Min, Max: cl.Max, Tier: cl.Tier, NoFast: cl.NoFast, counters: sc.Counters,
			Totals: sum.Totals.Counters[c*n : (c+1)*n], Mean: sum.Mean.Counters[c*n : (c+1)*n], Peak: sum.Peak.Counters[c*n : (c+1)*n]}
		if calls >= 0 && fast >= 0 {
			r := 0.0
			if k := rc.Totals[calls]; k > 0 {
				r = float64(rc.Totals[fast]) / float64(k)
			}
			rc.FastRatio, rc.MeanFast, rc.PeakFast = &r, &sum.Mean.FastRatio[c], &sum.Peak.FastRatio[c]
		}
		out = append(out, rc)
	}
	return out
}

// reportPaths returns sum's path rows, shaped by sc.
func reportPaths(sc *target.Schema, sum sampler.Summary) []reportPath {
	out := make([]reportPath, 0, len(sc.Paths))
	for p, path := range sc.Paths {
		out = append(out, reportPath{ID: path.ID, Name: path.Name, Hits: sum.Totals.Paths[p], Mean: sum.Mean.Paths[p], Peak: sum.Peak.Paths[p]})
	}
	return out
}

// gatesOfReport returns the gates section: every gate's value and source at
// the start of the session, and its verdicts from the hits of the counter
// epoch those values governed (the first).
func gatesOfReport(rec *sampler.Recording, sum sampler.Summary) reportGates {
	verdicts := profile.RecordingVerdicts(rec)
	out := make(reportGates, 0, len(rec.Header.Gates))
	for i, g := range rec.Header.Gates {
		out = append(out, profile.GateVerdict{Gate: g, Verdict: verdicts[i].Verdict, Paths: verdicts[i].Paths})
	}
	return out
}

// reportText renders doc for people.
func reportText(doc reportDoc) string {
	var b strings.Builder
	state := "complete, " + doc.Ended
	if !doc.Complete {
		state = "cut short: no footer"
	}
	if doc.Exit != nil {
		state += ": " + exitText(*doc.Exit)
	}
	fmt.Fprintf(&b, "session   %s (format %d, %s)\n", doc.File, doc.FormatVersion, state)
	fmt.Fprintf(&b, "recorded  %s by haktop %s, %s on %s/%s, %d CPUs, GOMAXPROCS %d\n",
		doc.Start.UTC().Format(time.RFC3339), doc.Haktop, doc.GoVersion, doc.OS, doc.Arch, doc.CPUs, doc.GOMAXPROCS)
	if doc.Command != nil {
		fmt.Fprintf(&b, "command   %s\n", strings.Join(doc.Command, " "))
	} else {
		fmt.Fprintf(&b, "workload  %s\n", specText(fromReportSpec(doc.Workload)))
	}
	fmt.Fprintf(&b, "sampling  %d samples every %s covering %s, %s\n",
		doc.Samples, textfmt.Duration(time.Duration(doc.IntervalNS)), textfmt.Duration(time.Duration(doc.Seconds*float64(time.Second))), textfmt.Count(doc.Epochs, "counter epoch"))
	if doc.Command == nil { // a command counts no workload operations, and is no Go program of haktop's
		fmt.Fprintf(&b, "ops       %d: mean %s/s, peak %s/s\n", doc.Ops, textfmt.Rate(doc.OpsPerSec), textfmt.Rate(doc.PeakOpsPerSec))
		fmt.Fprintf(&b, "process   peak RSS %s, %s, longest pause %s\n",
			textfmt.Bytes(doc.Process.PeakRSSBytes), textfmt.Count(int(doc.Process.GCCycles), "GC cycle"), textfmt.Duration(time.Duration(doc.Process.MaxGCPauseNS)))
	} else {
		fmt.Fprintf(&b, "process   peak RSS %s\n", textfmt.Bytes(doc.Process.PeakRSSBytes))
	}
	if sc := doc.Schema; sc != nil {
		fmt.Fprintf(&b, "target    %s: %s x %s, %s (its own schema)\n", sc.Target,
			textfmt.Count(len(sc.Classes), "class"), textfmt.Count(len(sc.Counters), "counter"), textfmt.Count(len(sc.Paths), "path"))
	}
	if n := doc.Invalid.Total(); n > 0 {
		fmt.Fprintf(&b, "invalid   %d invalid frees\n", n)
	}

	if doc.MixedWorkloads {
		fmt.Fprintf(&b, "segments  %s: the workload changed during the session (w, + or -), so the ops above add up\n"+
			"          different workloads; classes and paths follow per segment, each with its own totals\n", textfmt.Count(len(doc.Segments), "workload segment"))
	}
	for _, sg := range doc.Segments {
		if !sg.WorkloadRecorded {
			b.WriteString("warning   the restarts in this session do not record their workload (an older haktop):\n" +
				"          if w, + or - was pressed, the totals below mix workloads\n")
			break
		}
	}
	if !doc.MixedWorkloads {
		b.WriteString("\nclasses (totals over the session; alloc/s mean and peak)\n")
		writeClassesText(&b, doc, doc.Classes)
		b.WriteString("\npaths (hits; hits/s mean and peak)\n")
		writePathsText(&b, doc.Paths)
	}
	for i, sg := range doc.Segments {
		if !doc.MixedWorkloads {
			break // a single segment is the session: shown above
		}
		fmt.Fprintf(&b, "\nsegment %d of %d: %s, counter epochs %d-%d, %s to %s: %d ops, mean %s/s, peak %s/s\n",
			i+1, len(doc.Segments), specText(fromReportSpec(sg.Workload)), sg.FirstEpoch, sg.LastEpoch,
			textfmt.Duration(time.Duration(sg.StartNS)), textfmt.Duration(time.Duration(sg.EndNS)), sg.Ops, textfmt.Rate(sg.OpsPerSec), textfmt.Rate(sg.PeakOpsPerSec))
		b.WriteString("classes (totals over the segment; alloc/s mean and peak)\n")
		writeClassesText(&b, doc, sg.Classes)
		b.WriteString("paths (hits; hits/s mean and peak)\n")
		writePathsText(&b, sg.Paths)
	}

	b.WriteString("\ngates (at the start of the session; verdicts from its first counter epoch's hits)\n")
	gt := textfmt.NewTable(4, "gate", "value", "source", "verdict")
	for _, g := range doc.Gates {
		gt.Row(g.Env, g.Value, g.Source, string(g.Verdict))
	}
	b.WriteString(gt.Render() + "\n")
	b.WriteString(verdictNotes(doc.Gates, doc.Workload.Name))

	if len(doc.Events) > 0 {
		b.WriteString("\nevents\n")
		for _, e := range doc.Events {
			fmt.Fprintf(&b, "  %8s  %s (counter epoch %d)", textfmt.Duration(time.Duration(e.ElapsedNS)), e.Kind, e.Epoch)
			if e.Message != "" {
				b.WriteString(": " + e.Message)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func fromReportSpec(r reportSpec) workload.Spec {
	return workload.Spec{Name: r.Name, Workers: r.Workers, Cycles: r.Cycles, Duration: time.Duration(r.DurationNS),
		WS: r.WS, Seed: r.Seed, Size: r.Size, MinSize: r.MinSize, MaxSize: r.MaxSize}
}

// classColumn is one column of report's class table: the total of a
// counter by its role (or, for RoleOther, by name).
type classColumn struct {
	head string
	role target.Role
	k    int // the counter's column in the schema
}

// classColumns returns the class table's counter columns for sc: calls
// (by its name), refill, fallback, free and remote where sc counts them,
// then every counter of role other, by name.
func classColumns(sc *target.Schema) []classColumn {
	var out []classColumn
	for _, r := range []struct {
		role target.Role
		head string
	}{{target.RoleCalls, ""}, {target.RoleRefill, "refill"}, {target.RoleFallback, "fallback"}, {target.RoleFree, "free"}, {target.RoleRemote, "remote"}} {
		if k := sc.CounterOf(r.role); k >= 0 {
			head := r.head
			if head == "" {
				head = sc.Counters[k].Name
			}
			out = append(out, classColumn{head: head, role: r.role, k: k})
		}
	}
	for k, c := range sc.Counters {
		if c.Role == target.RoleOther {
			out = append(out, classColumn{head: c.Name, role: c.Role, k: k})
		}
	}
	return out
}

// writeClassesText renders the class rows that saw calls (or frees; for a
// schema counting neither, any count).
func writeClassesText(b *strings.Builder, doc reportDoc, classes []reportClass) {
	sc := doc.schema
	switch {
	case doc.Command != nil && (!sc.Counted || len(sc.Classes) == 0 || len(sc.Counters) == 0):
		b.WriteString("no per-class counters were measured in this command\n")
		return
	case !doc.StatsCompiled:
		b.WriteString("counters compiled out (-tags haktop_nostats): no per-class table\n")
		return
	}
	cols := classColumns(sc)
	hasCalls, hasFast := sc.Has(target.RoleCalls), sc.Has(target.RoleCalls) && sc.Has(target.RoleFast)
	head := []string{"class", "size"}
	for i, c := range cols {
		head = append(head, c.head)
		if i == 0 && c.role == target.RoleCalls && hasFast {
			head = append(head, "fast %")
		}
	}
	if hasCalls {
		head = append(head, "alloc/s", "peak/s")
	}
	t := textfmt.NewTable(1, head...)
	rows := 0
	for _, c := range classes { // every class, in class order
		calls, _ := c.total(target.RoleCalls)
		frees, hasFree := c.total(target.RoleFree)
		if hasCalls || hasFree {
			if calls == 0 && frees == 0 {
				continue
			}
		} else if !slices.ContainsFunc(c.Totals, func(v uint64) bool { return v != 0 }) {
			continue
		}
		rows++
		row := []string{c.Class, textfmt.ClassSize(c.Min, c.Max)}
		for i, col := range cols {
			row = append(row, u(c.Totals[col.k]))
			if i == 0 && col.role == target.RoleCalls && hasFast {
				fast := "-" // no call, or no fast path (the large row: every block an mmap)
				if calls > 0 && !c.NoFast && c.FastRatio != nil {
					fast = textfmt.Points(*c.FastRatio)
				}
				row = append(row, fast)
			}
		}
		if hasCalls {
			row = append(row, textfmt.Rate(c.rate(c.Mean, target.RoleCalls)), textfmt.Rate(c.rate(c.Peak, target.RoleCalls)))
		}
		t.Row(row...)
	}
	if rows == 0 {
		b.WriteString("no allocator calls recorded\n")
		return
	}
	b.WriteString(t.Render() + "\n")
}

// writePathsText renders every path's hits and hit rates.
func writePathsText(b *strings.Builder, paths []reportPath) {
	pt := textfmt.NewTable(1, "path", "hits", "hits/s", "peak/s")
	for _, p := range paths {
		pt.Row(p.ID, u(p.Hits), textfmt.Rate(p.Mean), textfmt.Rate(p.Peak))
	}
	b.WriteString(pt.Render() + "\n")
}
