package tui

// Format-1 recordings (../testdata/format1, committed, written before
// recordings carried a schema) still replay: the last sample of each, at
// 120x40, against a plain-text golden.

import (
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/sampler"
)

func TestFormat1ReplayGolden(t *testing.T) {
	for _, name := range []string{"random_mixed.jsonl", "larson.jsonl.gz", "gate_toggle.jsonl"} {
		t.Run(strings.NewReplacer(".jsonl", "", ".gz", "_gz").Replace(name), func(t *testing.T) {
			rec, err := sampler.Load(filepath.Join("..", "testdata", "format1", name))
			if err != nil {
				t.Fatal(err)
			}
			if rec.Header.Version != 1 {
				t.Fatalf("fixture version %d, want 1", rec.Header.Version)
			}
			r, err := live.NewReplay(rec)
			if err != nil {
				t.Fatal(err)
			}
			m := drive(t, New(r, Options{Replay: true, Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: 120, Height: 40})
			m = drive(t, m, keys(append([]string{"space"}, repeat("right", len(rec.Samples))...)...)...)
			if got := r.Frame().Status.Replay.Index; got != len(rec.Samples)-1 {
				t.Fatalf("at sample %d, want the last, %d", got, len(rec.Samples)-1)
			}
			golden.RequireEqual(t, ansi.Strip(m.View().Content))
		})
	}
}
