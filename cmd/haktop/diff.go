package main

// `haktop diff A B [--json]`: two recorded sessions compared per class and
// per path, mean rates and delta %. Before any number it lists every
// difference that makes the comparison unfair (a gate's value, a workload
// parameter, a gate changed mid-session) and notes machine and build
// differences, so a misleading A/B is visible at once. diffDoc is built
// once and rendered as JSON or text.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/textfmt"
	"github.com/haktop/haktop/workload"
)

func newDiffCommand(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two recorded sessions per class and per path; flag unfair comparisons",
		Long: "diff reads two session files written by record and prints, per size class and per\n" +
			"code path, the mean rates in A and B and the change from A to B in percent. Lines\n" +
			"starting \"unfair comparison\" come first: every gate whose value differs, every\n" +
			"workload parameter that differs, any gate or workload changed during a session, and\n" +
			"sessions whose workload segments differ, and recordings of different targets or\n" +
			"schemas (compared by name: classes by name, counters by role, paths by id).\n" +
			"Exit status: 0 ok, 1 a file is not a readable session, 2 bad arguments.",
		Example: "  haktop diff v1.jsonl v2.jsonl\n  haktop diff base.jsonl.gz new.jsonl.gz --json",
		Args:    fileArgs("diff", 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ra, err := a.loadRecording(args[0])
			if err != nil {
				return err
			}
			rb, err := a.loadRecording(args[1])
			if err != nil {
				return err
			}
			doc := newDiff(ra, rb)
			return a.writeResult(asJSON, doc, func() string { return diffText(doc) })
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of tables")
	return cmd
}

// diffDoc is diff's JSON object. Field names are a public format: add
// fields, never rename them. Delta fields are percent from A to B, null
// when A is 0.
type diffDoc struct {
	Files    [2]string   `json:"files"`
	Unfair   []string    `json:"unfair"` // differences that make the comparison unfair
	Notes    []string    `json:"notes"`  // machine and build differences
	Seconds  [2]float64  `json:"seconds"`
	Ops      diffValue   `json:"ops_per_sec"`
	Classes  []diffClass `json:"classes"`
	Paths    []diffPath  `json:"paths"`
	Warnings []string    `json:"warnings"`
}

// diffValue is one rate in A and B and the change.
type diffValue struct {
	A     float64  `json:"a"`
	B     float64  `json:"b"`
	Delta *float64 `json:"delta_pct"`
}

func newDiffValue(a, b float64) diffValue { return diffValue{a, b, pct(a, b)} }

// diffClass is one class's mean rates per second of each counter role
// either schema has (keyed by the counter's name, A's when both have one),
// and fast-hit ratios (delta in percentage points) when both count calls
// and fast allocations. Its JSON keeps that order (MarshalJSON).
type diffClass struct {
	Class     string
	NoFast    bool // no fast path in A or B: no fast ratio to compare
	Rates     []diffRate
	FastRatio *diffRatio
}

// diffRate is one counter's mean rate in A and B.
type diffRate struct {
	Role target.Role
	Name string
	diffValue
}

type diffRatio struct {
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Points float64 `json:"delta_points"`
}

// MarshalJSON writes "class", each rate by its counter's name, "fast_ratio".
func (c diffClass) MarshalJSON() ([]byte, error) {
	var o orderedObject
	o.add("class", c.Class)
	for _, r := range c.Rates {
		o.add(r.Name, r.diffValue)
	}
	if c.FastRatio != nil {
		o.add("fast_ratio", *c.FastRatio)
	}
	return o.bytes(), o.err
}

// rate returns the class's rate of role r, and whether either schema counts it.
func (c diffClass) rate(r target.Role) (diffValue, bool) {
	for _, x := range c.Rates {
		if x.Role == r {
			return x.diffValue, true
		}
	}
	return diffValue{}, false
}

// diffRoles are the counter roles diff compares, in column order.
var diffRoles = []target.Role{target.RoleCalls, target.RoleFast, target.RoleRefill, target.RoleRefillFail, target.RoleFallback, target.RoleFree, target.RoleRemote}

// diffPath is one path's mean hits per second.
type diffPath struct {
	ID string `json:"id"`
	diffValue
}

// union returns a's names, then b's that a lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, n := range b {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// newDiff compares a (the baseline) with b, by name (see the file comment).
func newDiff(a, b *sampler.Recording) diffDoc {
	ka, kb := &a.Header.Schema, &b.Header.Schema
	sa, sb := sampler.Summarize(ka, a.Samples, a.Header.Interval), sampler.Summarize(kb, b.Samples, b.Header.Interval)
	doc := diffDoc{
		Files:    [2]string{a.Path, b.Path},
		Unfair:   unfairDifferences(a, b),
		Notes:    machineDifferences(a.Header, b.Header),
		Seconds:  [2]float64{sa.Covered.Seconds(), sb.Covered.Seconds()},
		Ops:      newDiffValue(sa.OpsPerSec, sb.OpsPerSec),
		Warnings: append(append([]string{}, a.Warnings...), b.Warnings...),
	}
	// mean returns class name's mean rate of role r in s's summary, and
	// whether s counts it; fast its mean fast ratio.
	mean := func(s *target.Schema, sum *sampler.Summary, name string, r target.Role) (float64, bool) {
		c, k := s.ClassIndex(name), s.CounterOf(r)
		if k < 0 {
			return 0, false
		}
		if c < 0 {
			return 0, true
		}
		return sum.Mean.Rate(c, k, len(s.Counters)), true
	}
	fast := func(s *target.Schema, sum *sampler.Summary, name string) float64 {
		v, _ := sum.Mean.Fast(s.ClassIndex(name))
		return v
	}
	noFast := func(s *target.Schema, name string) bool {
		c := s.ClassIndex(name)
		return c >= 0 && s.Classes[c].NoFast
	}
	bothFast := ka.Has(target.RoleCalls) && ka.Has(target.RoleFast) && kb.Has(target.RoleCalls) && kb.Has(target.RoleFast)
	for _, name := range union(ka.ClassNames(), kb.ClassNames()) {
		dc := diffClass{Class: name, NoFast: noFast(ka, name) || noFast(kb, name)}
		for _, r := range diffRoles {
			x, okA := mean(ka, &sa, name, r)
			y, okB := mean(kb, &sb, name, r)
			if !okA && !okB {
				continue
			}
			counter := kb.Counters[max(kb.CounterOf(r), 0)].Name
			if okA {
				counter = ka.Counters[ka.CounterOf(r)].Name
			}
			dc.Rates = append(dc.Rates, diffRate{Role: r, Name: counter, diffValue: newDiffValue(x, y)})
		}
		if bothFast {
			x, y := fast(ka, &sa, name), fast(kb, &sb, name)
			dc.FastRatio = &diffRatio{A: x, B: y, Points: 100 * (y - x)}
		}
		doc.Classes = append(doc.Classes, dc)
	}
	for _, id := range union(ka.PathIDs(), kb.PathIDs()) {
		hits := func(s *target.Schema, sum *sampler.Summary) float64 {
			if p := s.PathIndex(id); p >= 0 {
				return sum.Mean.Paths[p]
			}
			return 0
		}
		doc.Paths = append(doc.Paths, diffPath{ID: id, diffValue: newDiffValue(hits(ka, &sa), hits(kb, &sb))})
	}
	return doc
}

// schemaDifference says how a's and b's schemas differ, "" when they
// describe the same classes, counters and paths.
func schemaDifference(a, b *target.Schema) string {
	if a.Target != b.Target {
		return fmt.Sprintf("A observed target %s, B target %s: classes, counters and paths are compared by name", a.Target, b.Target)
	}
	if !a.SameShape(b) {
		return fmt.Sprintf("A and B describe %s differently (%s x %s, %s against %s x %s, %s): they are compared by name",
			a.Target, textfmt.Count(len(a.Classes), "class"), textfmt.Count(len(a.Counters), "counter"), textfmt.Count(len(a.Paths), "path"),
			textfmt.Count(len(b.Classes), "class"), textfmt.Count(len(b.Counters), "counter"), textfmt.Count(len(b.Paths), "path"))
	}
	return ""
}

// unfairDifferences lists every gate value and workload parameter that
// differs between a and b, and every gate changed during either session.
func unfairDifferences(a, b *sampler.Recording) []string {
	out := []string{}
	if d := schemaDifference(&a.Header.Schema, &b.Header.Schema); d != "" {
		out = append(out, d)
	}
	gb := map[string]target.Gate{}
	for _, g := range b.Header.Gates {
		gb[g.Env] = g
	}
	seen := map[string]bool{}
	for _, g := range a.Header.Gates {
		seen[g.Env] = true
		h, ok := gb[g.Env]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("gate %s is %s (%s) in A and not recorded in B", g.Env, g.Value, g.Source))
		case h.Value != g.Value:
			out = append(out, fmt.Sprintf("gate %s is %s (%s) in A, %s (%s) in B", g.Env, g.Value, g.Source, h.Value, h.Source))
		}
	}
	for _, g := range b.Header.Gates {
		if !seen[g.Env] {
			out = append(out, fmt.Sprintf("gate %s is not recorded in A and %s (%s) in B", g.Env, g.Value, g.Source))
		}
	}
	pa, pb := specParams(a.Header.Workload), specParams(b.Header.Workload)
	for i := range pa {
		if pa[i].Value != pb[i].Value {
			out = append(out, fmt.Sprintf("workload --%s is %s in A, %s in B", pa[i].Name, pa[i].Value, pb[i].Value))
		}
	}
	segs := [2][]sampler.Segment{sampler.SegmentsOf(a), sampler.SegmentsOf(b)}
	for i, r := range []struct {
		name string
		rec  *sampler.Recording
	}{{"A", a}, {"B", b}} {
		gates := r.rec.Header.Gates
		for _, e := range r.rec.Events {
			if e.Kind != sampler.EventRestart {
				continue
			}
			same := slices.EqualFunc(gates, e.Gates, func(x, y target.Gate) bool { return x.Env == y.Env && x.Value == y.Value })
			gates = e.Gates
			if same && e.Workload != nil {
				continue // a workload change: its segment says so below
			}
			msg := ""
			if e.Message != "" {
				msg = ": " + e.Message
			}
			out = append(out, fmt.Sprintf("gates changed during %s at %s%s", r.name, textfmt.Duration(e.Elapsed), msg))
		}
		if s := segs[i]; len(s) > 1 {
			out = append(out, fmt.Sprintf("the workload changed during %s (%s: %s): its means mix workloads; haktop report shows each segment",
				r.name, textfmt.Count(len(s), "segment"), segmentsText(s)))
		}
	}
	workloads := func(s sampler.Segment) workload.Spec { return s.Workload }
	if len(segs[0]) > 1 || len(segs[1]) > 1 {
		if !slices.Equal(mapSlice(segs[0], workloads), mapSlice(segs[1], workloads)) {
			out = append(out, "A and B ran different workload segments: compare them one by one (haktop report)")
		}
	}
	return out
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// segmentsText lists segments' workloads and when each began.
func segmentsText(segs []sampler.Segment) string {
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = specText(s.Workload) + " from " + textfmt.Duration(s.Start)
	}
	return strings.Join(parts, ", ")
}

// machineDifferences notes how the two sessions' machines and builds differ.
func machineDifferences(a, b sampler.Header) []string {
	out := []string{}
	note := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s is %s in A, %s in B", what, x, y))
		}
	}
	note("haktop", a.Haktop, b.Haktop)
	note("Go", a.GoVersion, b.GoVersion)
	note("OS/arch", a.OS+"/"+a.Arch, b.OS+"/"+b.Arch)
	note("CPU count", fmt.Sprint(a.CPUs), fmt.Sprint(b.CPUs))
	note("GOMAXPROCS", fmt.Sprint(a.GOMAXPROCS), fmt.Sprint(b.GOMAXPROCS))
	note("counters compiled", fmt.Sprint(a.StatsCompiled), fmt.Sprint(b.StatsCompiled))
	note("sampling interval", a.Interval.String(), b.Interval.String())
	return out
}

// diffText renders doc for people.
func diffText(doc diffDoc) string {
	var b strings.Builder
	for _, u := range doc.Unfair {
		b.WriteString("unfair comparison: " + u + "\n")
	}
	for _, n := range doc.Notes {
		b.WriteString("note: " + n + "\n")
	}
	if len(doc.Unfair)+len(doc.Notes) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "A  %s (%s)\nB  %s (%s)\n", doc.Files[0], textfmt.Duration(time.Duration(doc.Seconds[0]*float64(time.Second))),
		doc.Files[1], textfmt.Duration(time.Duration(doc.Seconds[1]*float64(time.Second))))
	fmt.Fprintf(&b, "ops/s  A %s  B %s  %s\n", textfmt.Rate(doc.Ops.A), textfmt.Rate(doc.Ops.B), orDash(textfmt.Change(doc.Ops.A, doc.Ops.B)))

	b.WriteString("\nclasses (mean rates per second; fast % in points)\n")
	t := textfmt.NewTable(2, "class", "rate", "A", "B", "delta")
	rows := 0
	for _, c := range doc.Classes { // every class, in class order
		for _, r := range []struct {
			name string
			role target.Role
		}{{"alloc/s", target.RoleCalls}, {"refill/s", target.RoleRefill}, {"refill_fail/s", target.RoleRefillFail},
			{"fallback/s", target.RoleFallback}, {"free/s", target.RoleFree}, {"remote/s", target.RoleRemote}} {
			v, ok := c.rate(r.role)
			if !ok || v.A == 0 && v.B == 0 {
				continue
			}
			rows++
			t.Row(c.Class, r.name, textfmt.Rate(v.A), textfmt.Rate(v.B), textfmt.Change(v.A, v.B))
			if r.role == target.RoleCalls && c.FastRatio != nil && !c.NoFast { // the large row has no fast path
				t.Row(c.Class, "fast %", textfmt.Points(c.FastRatio.A), textfmt.Points(c.FastRatio.B), textfmt.Signed(c.FastRatio.Points)+" pt")
			}
		}
	}
	if rows == 0 {
		b.WriteString("no allocator calls in either session\n")
	} else {
		b.WriteString(t.Render() + "\n")
	}

	b.WriteString("\npaths (mean hits per second; paths idle in both omitted)\n")
	pt := textfmt.NewTable(1, "path", "A", "B", "delta")
	rows = 0
	for _, p := range doc.Paths {
		if p.A == 0 && p.B == 0 {
			continue
		}
		rows++
		pt.Row(p.ID, textfmt.Rate(p.A), textfmt.Rate(p.B), textfmt.Change(p.A, p.B))
	}
	if rows == 0 {
		b.WriteString("no path hits in either session\n")
	} else {
		b.WriteString(pt.Render() + "\n")
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
