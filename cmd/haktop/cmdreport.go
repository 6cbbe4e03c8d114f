package main

// `haktop report` of a recorded command (record -- CMD): the recording is
// read in its own schema (sampler.LoadTarget) and reported in it: one row
// per class the target declares, one column per counter it declares,
// paths and gates only when it has them. Nothing of the embedded
// allocator's layout (its classes, paths, HAKMEM_* gates) is shown, since
// none of it was measured. diff, export and replay refuse such files
// (refuseCommand) rather than read them as the embedded allocator's.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/textfmt"
)

// commandReportDoc is report's JSON object for a recorded command. Field
// names are a public format: add fields, never rename them.
type commandReportDoc struct {
	File          string               `json:"file"`
	FormatVersion int                  `json:"format_version"`
	Start         time.Time            `json:"start"`
	Haktop        string               `json:"haktop"`
	GoVersion     string               `json:"go"`
	OS            string               `json:"os"`
	Arch          string               `json:"arch"`
	CPUs          int                  `json:"cpus"`
	GOMAXPROCS    int                  `json:"gomaxprocs"`
	IntervalNS    int64                `json:"interval_ns"`
	Command       []string             `json:"command"`
	Exit          *sampler.Exit        `json:"exit,omitempty"`
	Samples       int                  `json:"samples"`
	Epochs        int                  `json:"epochs"`
	Seconds       float64              `json:"seconds"` // the time the counters cover
	Complete      bool                 `json:"complete"`
	Ended         string               `json:"ended"` // the footer's reason, or "cut short"
	Warnings      []string             `json:"warnings"`
	Schema        target.Schema        `json:"schema"`
	Classes       []commandReportClass `json:"classes"`
	Paths         []commandReportPath  `json:"paths"`
	PeakRSSBytes  uint64               `json:"peak_rss_bytes"`
}

// commandReportClass is one class of the schema: each counter's total over
// the session (by the schema's counter name) and mean rate per second.
type commandReportClass struct {
	Class    string             `json:"class"`
	Min      int                `json:"min"`
	Max      int                `json:"max"`
	Counters map[string]uint64  `json:"counters"`
	Mean     map[string]float64 `json:"mean_per_sec"`
	// FastRatio is fast/calls, only when the schema has both roles and the class saw a call.
	FastRatio *float64 `json:"fast_ratio,omitempty"`
}

type commandReportPath struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Hits uint64  `json:"hits"`
	Mean float64 `json:"mean_per_sec"`
}

// isCommandRecording reports whether the recording at path is of a command.
func isCommandRecording(path string) (bool, error) {
	s, err := sampler.Open(path)
	if err != nil {
		return false, err
	}
	defer s.Close()
	return len(s.Header().Command) > 0, nil
}

// refuseCommand is the error of diff, export and replay for a recording of
// a command, which they would read as the embedded allocator's.
func refuseCommand(command, path string) error {
	return fmt.Errorf("%s is a recording of a command (record -- CMD): this haktop reads those with `haktop report` only, not %s", path, command)
}

// reportCommand prints the report of the command recording at path.
func (a *app) reportCommand(path string, asJSON bool) error {
	rec, err := sampler.LoadTarget(path)
	if err != nil {
		return err
	}
	for _, w := range rec.Warnings {
		fmt.Fprintf(a.stderr, "haktop: warning: %s\n", w)
	}
	doc := newCommandReport(rec)
	return a.writeResult(asJSON, doc, func() string { return commandReportText(doc) })
}

func newCommandReport(rec *sampler.TargetRecording) commandReportDoc {
	h := rec.Header
	sc := h.Schema
	doc := commandReportDoc{
		File: rec.Path, FormatVersion: h.Version, Start: h.Start, Haktop: h.Haktop, GoVersion: h.GoVersion,
		OS: h.OS, Arch: h.Arch, CPUs: h.CPUs, GOMAXPROCS: h.GOMAXPROCS, IntervalNS: int64(h.Interval),
		Command: h.Command, Samples: len(rec.Samples), Seconds: rec.Covered.Seconds(),
		Complete: rec.Footer != nil, Ended: "cut short", Warnings: append([]string{}, rec.Warnings...), Schema: sc,
		Classes: []commandReportClass{}, Paths: []commandReportPath{},
	}
	if rec.Footer != nil {
		doc.Ended, doc.Exit = rec.Footer.Reason, rec.Footer.Exit
	}
	for i, smp := range rec.Samples {
		if i == 0 || smp.Epoch != rec.Samples[i-1].Epoch {
			doc.Epochs++
		}
		doc.PeakRSSBytes = max(doc.PeakRSSBytes, smp.RSSBytes)
	}
	perSec := func(n uint64) float64 {
		if rec.Covered <= 0 {
			return 0
		}
		return float64(n) / rec.Covered.Seconds()
	}
	calls, fast := sc.CounterOf(target.RoleCalls), sc.CounterOf(target.RoleFast)
	for c, cl := range sc.Classes {
		rc := commandReportClass{Class: cl.Name, Min: cl.Min, Max: cl.Max, Counters: map[string]uint64{}, Mean: map[string]float64{}}
		row := rec.Counters[c]
		for k, ctr := range sc.Counters {
			rc.Counters[ctr.Name], rc.Mean[ctr.Name] = row[k], perSec(row[k])
		}
		if calls >= 0 && fast >= 0 && row[calls] > 0 {
			r := float64(row[fast]) / float64(row[calls])
			rc.FastRatio = &r
		}
		doc.Classes = append(doc.Classes, rc)
	}
	for j, p := range sc.Paths {
		doc.Paths = append(doc.Paths, commandReportPath{ID: p.ID, Name: p.Name, Hits: rec.Paths[j], Mean: perSec(rec.Paths[j])})
	}
	return doc
}

// commandReportText renders doc for people.
func commandReportText(doc commandReportDoc) string {
	var b strings.Builder
	state := "complete, " + doc.Ended
	if !doc.Complete {
		state = "cut short: no footer"
	}
	if doc.Exit != nil {
		state += ": " + exitText(*doc.Exit)
	}
	sc := doc.Schema
	fmt.Fprintf(&b, "session   %s (format %d, %s)\n", doc.File, doc.FormatVersion, state)
	fmt.Fprintf(&b, "recorded  %s by haktop %s, %s on %s/%s, %d CPUs, GOMAXPROCS %d\n",
		doc.Start.UTC().Format(time.RFC3339), doc.Haktop, doc.GoVersion, doc.OS, doc.Arch, doc.CPUs, doc.GOMAXPROCS)
	fmt.Fprintf(&b, "command   %s\n", strings.Join(doc.Command, " "))
	fmt.Fprintf(&b, "sampling  %d samples every %s covering %s, %s\n",
		doc.Samples, textfmt.Duration(time.Duration(doc.IntervalNS)), textfmt.Duration(time.Duration(doc.Seconds*float64(time.Second))), textfmt.Count(doc.Epochs, "counter epoch"))
	fmt.Fprintf(&b, "process   peak RSS %s\n", textfmt.Bytes(doc.PeakRSSBytes))
	fmt.Fprintf(&b, "target    %s: %s x %s, %s (its own schema)\n", sc.Target,
		textfmt.Count(len(sc.Classes), "class"), textfmt.Count(len(sc.Counters), "counter"), textfmt.Count(len(sc.Paths), "path"))
	if !sc.Counted || len(sc.Classes) == 0 || len(sc.Counters) == 0 {
		b.WriteString("\nno per-class counters were measured in this command\n")
	} else {
		rate := sc.CounterOf(target.RoleCalls) // the mean-rate column: allocation calls, else the first counter
		if rate < 0 {
			rate = 0
		}
		rateName := sc.Counters[rate].Name
		fast := sc.Has(target.RoleCalls) && sc.Has(target.RoleFast)
		fmt.Fprintf(&b, "\nclasses (totals over the session; %s/s mean)\n", rateName)
		head := []string{"class", "bytes"}
		for _, c := range sc.Counters {
			head = append(head, c.Name)
		}
		if fast {
			head = append(head, "fast %")
		}
		head = append(head, rateName+"/s")
		t := textfmt.NewTable(2, head...)
		for _, c := range doc.Classes {
			bytes := strconv.Itoa(c.Min) + "-" + strconv.Itoa(c.Max)
			if c.Max == 0 {
				bytes = ">=" + strconv.Itoa(c.Min)
			}
			row := []string{c.Class, bytes}
			for _, k := range sc.Counters {
				row = append(row, u(c.Counters[k.Name]))
			}
			if fast {
				f := "-"
				if c.FastRatio != nil {
					f = textfmt.Points(*c.FastRatio)
				}
				row = append(row, f)
			}
			row = append(row, textfmt.Rate(c.Mean[rateName]))
			t.Row(row...)
		}
		b.WriteString(t.Render() + "\n")
	}
	if len(doc.Paths) > 0 {
		b.WriteString("\npaths (hits; hits/s mean)\n")
		pt := textfmt.NewTable(1, "path", "hits", "hits/s")
		for _, p := range doc.Paths {
			pt.Row(p.ID, u(p.Hits), textfmt.Rate(p.Mean))
		}
		b.WriteString(pt.Render() + "\n")
	}
	if len(sc.Gates) > 0 {
		b.WriteString("\ngates (at the start of the session)\n")
		gt := textfmt.NewTable(3, "gate", "value", "source")
		for _, g := range sc.Gates {
			gt.Row(g.Env, g.Value, g.Source)
		}
		b.WriteString(gt.Render() + "\n")
	}
	return b.String()
}
