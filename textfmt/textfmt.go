// Package textfmt formats numbers, durations and words for people: the one
// place haktop's screen and CLI tables render a rate, a byte count or a clock.
package textfmt

// Pure functions with no haktop imports, so every layer (live, tui,
// cmd/haktop) can share them and print a number the same way.

import (
	"fmt"
	"time"
)

// Clock returns d as "mm:ss", or "h:mm:ss" from an hour on.
func Clock(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}
