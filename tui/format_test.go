package tui

import (
	"testing"

	"github.com/haktop/haktop/allocator"
)

// The large class's size is the smallest request it serves; it reads
// ">64K" (as does 0, the large size in recordings of older builds).
func TestFormatSizeLarge(t *testing.T) {
	for n, want := range map[int]string{
		allocator.ClassSize(allocator.LargeClass): ">64K", 0: ">64K", 8: "8", 2048: "2K", 65536: "64K",
	} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
