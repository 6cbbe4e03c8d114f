// Package textfmt formats numbers, durations, words and tables for people:
// the one place haktop's screen and CLI render a rate, a byte count or a plural.
package textfmt

// Pure functions with no haktop imports, so every layer (live, tui,
// cmd/haktop, ab) prints a number the same way. A cell that has no value
// (no data, an idle class) is Dash, never a made-up 0.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Dash fills a cell that has no value.
const Dash = "—"

// Rate returns r events per second in at most 6 columns: "0", "812",
// "12.3k", "71.2M", "1.2G"; Dash when r is NaN (no data). Only a zero rate
// is "0": one that would round to it is "<1", so a change from it (diff's
// -100.0%) never reads as a change from nothing.
func Rate(r float64) string {
	switch {
	case math.IsNaN(r):
		return Dash
	case r == 0:
		return "0"
	case r < 1:
		return "<1"
	case r < 1000:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r < 1e6:
		return strconv.FormatFloat(r/1e3, 'f', 1, 64) + "k"
	case r < 1e9:
		return strconv.FormatFloat(r/1e6, 'f', 1, 64) + "M"
	}
	return strconv.FormatFloat(r/1e9, 'f', 1, 64) + "G"
}

// Bytes returns n bytes in binary units: "512 B", "12.0 KiB", "34.2 MiB".
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB", "PiB", "EiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + suffix
}

// Size returns a block size: "8", "1024", then whole KiB from 2048 on: "2K", "64K".
func Size(n int) string {
	if n >= 2048 && n%1024 == 0 {
		return strconv.Itoa(n/1024) + "K"
	}
	return strconv.Itoa(n)
}

// ClassSize returns a size class's label from its request sizes: its
// largest block, or ">" and the size below the class when it has no
// upper bound (max 0), e.g. ">64K".
func ClassSize(min, max int) string {
	if max == 0 {
		return ">" + Size(min-1)
	}
	return Size(max)
}

// Percent returns a 0..1 ratio as "99.8%"; Dash when NaN.
func Percent(ratio float64) string {
	if math.IsNaN(ratio) {
		return Dash
	}
	return strconv.FormatFloat(ratio*100, 'f', 1, 64) + "%"
}

// Points returns a 0..1 ratio in percent without the sign, for a column
// headed "%": "99.8".
func Points(ratio float64) string { return strconv.FormatFloat(100*ratio, 'f', 1, 64) }

// Signed returns v with one decimal and a sign; a change that rounds to
// nothing is "0.0", never "-0.0".
func Signed(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	switch {
	case s == "0.0" || s == "-0.0":
		return "0.0"
	case v > 0:
		return "+" + s
	}
	return s
}

// Change returns the change from a to b in percent ("+12.5%"), "new"
// when only b is nonzero and "" when both are zero.
func Change(a, b float64) string {
	switch {
	case a == 0 && b == 0:
		return ""
	case a == 0:
		return "new"
	}
	return Signed(100*(b-a)/a) + "%"
}

// Duration returns d rounded for people: "1.2s", "350ms", "40µs".
func Duration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// Clock returns d as "mm:ss", or "h:mm:ss" from an hour on.
func Clock(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}

// Count returns n and the noun in the number n asks for: "1 sample",
// "2 samples", "0 classes". Use it for every counted noun in a message.
func Count(n int, singular string) string {
	return strconv.Itoa(n) + " " + Noun(n, singular)
}

// Noun returns singular when n is 1 and its English plural otherwise:
// "run" -> "runs", "class" -> "classes", "entry" -> "entries".
func Noun(n int, singular string) string {
	if n == 1 || n == -1 {
		return singular
	}
	head, last := "", singular // a phrase's last word takes the plural: "counter epoch"
	if i := strings.LastIndexByte(singular, ' '); i >= 0 {
		head, last = singular[:i+1], singular[i+1:]
	}
	if p, ok := irregular[last]; ok {
		return head + p
	}
	switch {
	case strings.HasSuffix(singular, "s"), strings.HasSuffix(singular, "x"),
		strings.HasSuffix(singular, "ch"), strings.HasSuffix(singular, "sh"):
		return singular + "es"
	case strings.HasSuffix(singular, "y") && len(singular) > 1 && !strings.ContainsRune("aeiou", rune(singular[len(singular)-2])):
		return singular[:len(singular)-1] + "ies"
	}
	return singular + "s"
}

// irregular holds the plurals haktop's messages need that no rule gives.
var irregular = map[string]string{"was": "were", "is": "are", "has": "have", "this": "these", "epoch": "epochs", "it": "them", "its": "their", "differs": "differ"}
