package main

// Shared by the commands that read session files (report, diff): loading
// with warnings on stderr, the workload's parameters as name/value pairs,
// and number formats. Numbers are rendered here only, so report and diff
// print a rate the same way.

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/workload"
)

// loadRecording reads the session at path, printing each warning (a
// truncated tail, a missing footer) as one line on stderr. A bad file is a
// *sampler.FileError naming the file and record: exit code 1.
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

// rate renders events per second with an SI suffix: 950, 12.3k, 4.56M.
func rate(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v < 1e6:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case v < 1e9:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	}
	return strconv.FormatFloat(v/1e9, 'f', 2, 64) + "G"
}

// ratio renders a 0..1 fraction as a percentage with one decimal.
func ratio(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) }

// deltaPct renders the change from a to b in percent, "new" when only b is
// nonzero and "" when both are zero.
func deltaPct(a, b float64) string {
	switch {
	case a == 0 && b == 0:
		return ""
	case a == 0:
		return "new"
	}
	return signed(100*(b-a)/a) + "%"
}

// signed renders v with one decimal and a sign, and a change that rounds
// to nothing as "0.0" rather than "-0.0".
func signed(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	switch {
	case s == "0.0" || s == "-0.0":
		return "0.0"
	case v > 0:
		return "+" + s
	}
	return s
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

// bytesText renders a byte count in binary units: 512 B, 3.0 MiB.
func bytesText(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// dur renders a duration rounded for people: 1.2s, 350ms.
func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}
