package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkView measures View() at 120x40 between frames, which is what
// Bubble Tea calls after every message: the panels' tables are cached.
func BenchmarkView(b *testing.B) {
	m := New(newFakeSource(), Options{Tick: -1, Dark: true})
	mm, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	b.ReportAllocs()
	for b.Loop() {
		_ = mm.View()
	}
}

// BenchmarkNewFrameView measures the worst case at 120x40: a frame with new
// data arrives (every table row and sparkline re-rendered) and is viewed.
// The budget for one View() is 2 ms; this is the cost it bounds.
func BenchmarkNewFrameView(b *testing.B) {
	src := newFakeSource()
	m := New(src, Options{Tick: -1, Dark: true})
	mm, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	b.ReportAllocs()
	for b.Loop() {
		src.mu.Lock()
		src.frame.Seq++
		src.mu.Unlock()
		mm, _ = mm.Update(tickMsg{})
		_ = mm.View()
	}
}
