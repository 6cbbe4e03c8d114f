package tui

// Class size labels for the classes panel; every other number format is
// package textfmt's.

import "github.com/haktop/haktop/textfmt"

// formatSize returns a class size: "8", "1024", "64K", or ">64K" for the
// large class (its size is the smallest request it serves, 64 KiB + 1;
// 0 in recordings of older builds).
func formatSize(n int) string {
	if n == 0 || n > 64<<10 {
		return textfmt.ClassSize(64<<10+1, 0)
	}
	return textfmt.Size(n)
}
