package tui

// Golden screens of a target that is not the embedded allocator: the fake
// of target/targettest (three classes, counters of calls and frees only, one
// gate), fed through live's TargetView as any target's snapshots are. The
// classes table has the columns its roles allow (alloc/s, free/s, live
// blocks and bytes) and none it never measured (no fast %, refill,
// fallback or remote column, nothing shown as 0). Regenerate with
// `go test ./tui -run GoldenTarget -update`.

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/targettest"
)

// fakeTargetView returns the fake target's view after ticks snapshots a
// quarter second apart, its turbo gate on.
func fakeTargetView(ticks int) *live.TargetView {
	s := targettest.Schema("1")
	v := live.NewTargetView(s, s.Target)
	for i := 1; i <= ticks; i++ {
		v.Add(time.Duration(i)*250*time.Millisecond, targettest.Snapshot(&s, i, true))
	}
	return v
}

func TestGoldenTarget(t *testing.T) {
	for _, size := range goldenSizes[:2] { // 80x24 and 120x40
		t.Run(size.name, func(t *testing.T) {
			m := New(fakeTargetView(8), Options{Tick: -1, Dark: true})
			mm := drive(t, m, tea.WindowSizeMsg{Width: size.w, Height: size.h})
			check(t, "fake_target", mm, size.w, size.h)
			// w has no meaning for a target haktop does not run: the status line says so.
			mm = drive(t, mm, keys("w")...)
			check(t, "fake_target_w", mm, size.w, size.h)
		})
	}
}

// A sort the target has no column for (refill: the fake counts no
// refills) orders by class and marks the class column; s then cycles
// through the columns on screen only.
func TestSortByAColumnTheTargetLacks(t *testing.T) {
	m := drive(t, New(fakeTargetView(8), Options{Tick: -1, Dark: true, Sort: SortRefill}), tea.WindowSizeMsg{Width: 120, Height: 40}).(Model)
	if got := plain(m); !strings.Contains(got, " class▼ ") || strings.Contains(got, "refill") {
		t.Fatalf("sorted by a missing column:\n%s", got)
	}
	var seen []SortColumn
	for range 6 {
		m = drive(t, m, keys("s")...).(Model)
		seen = append(seen, m.classes.sort)
	}
	want := []SortColumn{SortSize, SortAlloc, SortFree, SortLive, SortBytes, SortClass}
	if !slices.Equal(seen, want) {
		t.Errorf("s cycles %v, want %v (the fake's columns only)", seen, want)
	}
}

// A target with neither paths nor gates (the preload shim's request
// classes) gets no empty path and gate panels: the classes and the chart
// take the room, and tab stays on the classes.
func TestNoPathOrGatePanelsForATargetWithout(t *testing.T) {
	s := targettest.Schema("0")
	s.Paths, s.Gates = []target.Path{}, []target.Gate{}
	v := live.NewTargetView(s, s.Target)
	snap := s.NewSnapshot()
	snap.Counters = []uint64{100, 100, 200, 200, 300, 300}
	v.Add(time.Second, snap)
	m := drive(t, New(v, Options{Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: 120, Height: 40}).(Model)
	m = drive(t, m, keys("tab")...).(Model)
	got := plain(m)
	if strings.Contains(got, "hits/s") || strings.Contains(got, "verdict") || m.focus != panelClasses {
		t.Errorf("panels of no paths or gates shown, or focus %d left the classes:\n%s", m.focus, got)
	}
	if lines := splitLines(got); len(lines) != 40 || !strings.Contains(got, " medium ") {
		t.Errorf("%d lines, want the full 40 with the classes:\n%s", len(lines), got)
	}
}
