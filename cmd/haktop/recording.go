package main

// Shared by the commands that read session files (report, diff, export,
// replay): loading
// with warnings on stderr, the workload's parameters as name/value pairs,
// and number formats. Numbers are rendered here only, so report and diff
// print a rate the same way.

import (
	"fmt"
	"math"
	"strconv"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/workload"
)

// loadRecording reads the session at path, printing each warning (a
// truncated tail, a missing footer) as one line on stderr. A bad file is a
// *sampler.FileError naming the file and record: exit code 1. Every
// recording reads in its own schema: a workload's of the embedded
// allocator and a recorded command's (record -- CMD) alike.
func (a *app) loadRecording(path string) (*sampler.Recording, error) {
	rec, err := sampler.Load(path)
	if err != nil {
		return nil, err
	}
	for _, w := range rec.Warnings {
		fmt.Fprintf(a.stderr, "haktop: warning: %s\n", w)
	}
	return rec, nil
}

// param is one workload parameter as text.
type param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// specParams returns every field of s, in flag names and flag syntax.
func specParams(s workload.Spec) []param {
	return []param{
		{"workload", s.Name},
		{"workers", strconv.Itoa(s.Workers)},
		{"cycles", strconv.FormatInt(s.Cycles, 10)},
		{"duration", s.Duration.String()},
		{"ws", strconv.Itoa(s.WS)},
		{"seed", strconv.FormatUint(uint64(s.Seed), 10)},
		{"size", strconv.Itoa(s.Size)},
		{"min-size", strconv.Itoa(s.MinSize)},
		{"max-size", strconv.Itoa(s.MaxSize)},
	}
}

// specText describes s by the parameters it sets, e.g.
// "random_mixed --workers 1 --cycles 10000000 --ws 8192 --seed 1234567".
func specText(s workload.Spec) string {
	out := s.Name
	for _, p := range specParams(s)[1:] {
		if p.Value != "0" && p.Value != "0s" {
			out += " --" + p.Name + " " + p.Value
		}
	}
	return out
}

// pct returns the change from a to b in percent for JSON: null when a is 0.
func pct(a, b float64) *float64 {
	if a == 0 {
		return nil
	}
	v := 100 * (b - a) / a
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}
