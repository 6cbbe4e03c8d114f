package tui

// Class size labels for the classes panel; every other number format is
// package textfmt's.

import "github.com/haktop/haktop/textfmt"

// formatSize returns a class size: "8", "1024", "64K", or ">64K" for the
// large class (size 0: no upper bound above the pool's 64 KiB).
func formatSize(n int) string {
	if n == 0 {
		return textfmt.ClassSize(64<<10+1, 0)
	}
	return textfmt.Size(n)
}
