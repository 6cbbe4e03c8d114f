package tui

// Number formatting for narrow cells: rates with SI suffixes, byte sizes in
// binary units (clocks are textfmt.Clock). Pure functions, shared by the panels.

import (
	"fmt"
	"math"
)

// formatRate returns r per second in at most 6 columns: "0", "812", "12.3k",
// "71.2M"; "—" when r is NaN (no data).
func formatRate(r float64) string {
	switch {
	case math.IsNaN(r):
		return "—"
	case r < 0.5:
		return "0"
	case r < 1000:
		return fmt.Sprintf("%.0f", r)
	case r < 1e6:
		return fmt.Sprintf("%.1fk", r/1e3)
	case r < 1e9:
		return fmt.Sprintf("%.1fM", r/1e6)
	}
	return fmt.Sprintf("%.1fG", r/1e9)
}

// formatBytes returns n bytes in binary units: "512 B", "12.0 KiB", "34.2 MiB".
func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}

// formatSize returns a class size: "8", "1024", "64K", or "—" for 0.
func formatSize(n int) string {
	switch {
	case n == 0:
		return ">64K"
	case n >= 2048 && n%1024 == 0:
		return fmt.Sprintf("%dK", n/1024)
	}
	return fmt.Sprintf("%d", n)
}

// formatPercent returns a 0..1 ratio as "99.8%", or "—" when NaN.
func formatPercent(ratio float64) string {
	if math.IsNaN(ratio) {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", ratio*100)
}
