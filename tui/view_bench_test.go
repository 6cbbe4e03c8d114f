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
// numbers in every class and path arrives (those tables and every sparkline
// re-rendered; the gates are unchanged, as between verdict changes) and is
// viewed. The budget for one View() is 2 ms; this is the cost it
// bounds.
func BenchmarkNewFrameView(b *testing.B) {
	src := newFakeSource()
	m := New(src, Options{Tick: -1, Dark: true})
	mm, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	b.ReportAllocs()
	for b.Loop() {
		src.mu.Lock()
		src.frame.Seq++
		f := 1 + float64(src.frame.Seq%97)/1000
		for i := range src.frame.Classes {
			c := &src.frame.Classes[i]
			v := c.Values // alloc/s, fast %, refill/s, fallback/s, free/s, remote/s
			v[0], v[4], v[2] = (v[0]+1)*f, (v[4]+1)*f, (v[2]+1)*f
			if len(c.History) > 0 {
				c.History = append(c.History[1:], v[0])
			}
		}
		for i := range src.frame.Paths {
			src.frame.Paths[i].HitsPerSec = (src.frame.Paths[i].HitsPerSec + 1) * f
		}
		src.frame.OpsHistory = append(src.frame.OpsHistory[1:], src.frame.OpsPerSec*f)
		src.mu.Unlock()
		mm, _ = mm.Update(tickMsg{})
		_ = mm.View()
	}
}
