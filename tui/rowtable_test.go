package tui

// rowTable draws exactly what bubbles' table.Model draws for the same
// columns, rows, styles, cursor and size, for as many rows as fit (all a
// panel gives it), so replacing one by the other changes no screen: checked byte for byte over plain, styled, wide and
// cut cells, focused and not, short and tall tables.

import (
	"math/rand/v2"
	"testing"

	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestRowTableMatchesBubblesTable(t *testing.T) {
	s := NewStyles(true)
	texts := []string{"", "C0", "pool v2 alloc", "  12.3k", "—", "▼alloc/s", "████░░", "tiny refill fail/fallback",
		s.VerdictActive.Render("● ACTIVE"), s.VerdictNeverExecuted.Render("⚠ NEVER EXECUTED"), "a\tb", "日本語テキスト"}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		ncols := 1 + rng.IntN(6)
		cols := make([]table.Column, ncols)
		for i := range cols {
			cols[i] = table.Column{Title: texts[rng.IntN(len(texts))], Width: rng.IntN(12)}
		}
		cols[0].Width = 1 + rng.IntN(12) // a panel always shows its first column
		w, h := rng.IntN(70), rng.IntN(12)
		// The panels give a table at most the rows that fit (tablePanel.window).
		rows := make([]table.Row, rng.IntN(max(h-1, 1)+1))
		for r := range rows {
			rows[r] = make(table.Row, ncols)
			for i := range rows[r] {
				rows[r][i] = texts[rng.IntN(len(texts))]
			}
		}
		focused := rng.IntN(2) == 0
		cursor := rng.IntN(len(rows) + 1)

		want := table.New()
		got := newRowTable()
		styleTable(&got, s, focused)
		ts := s.Table
		if focused {
			ts.Header = ts.Header.Foreground(s.Accent)
			want.Focus()
		} else {
			ts.Selected = lipgloss.NewStyle()
			want.Blur()
		}
		want.SetStyles(ts)
		for _, tb := range []interface {
			SetHeight(int)
			SetWidth(int)
			SetColumns([]table.Column)
			SetRows([]table.Row)
			SetCursor(int)
		}{&want, &got} {
			tb.SetHeight(h)
			tb.SetWidth(w)
			tb.SetColumns(cols)
			tb.SetRows(rows)
			tb.SetCursor(cursor)
		}
		if g, wv := got.View(), want.View(); g != wv {
			t.Fatalf("trial %d (%d cols, %d rows, %dx%d, focused %v, cursor %d):\n got %q\nwant %q",
				trial, ncols, len(rows), w, h, focused, cursor, g, wv)
		}
	}
}

// TestCellWidth: the counted width of the strings the panels draw is the
// width ansi.StringWidth measures, including the fallbacks (wide, joined,
// control and unterminated-escape strings).
func TestCellWidth(t *testing.T) {
	s := NewStyles(true)
	cases := []string{"", "C7", "1024", "12.4M", "—", "100.0%", "…/x.jsonl", "▁▂▃▄▅▆▇█ ▄", "● ACTIVE", "⚠ NEVER EXECUTED",
		"✖ INCONSISTENT", "◌ WARMING UP", "❚❚ PAUSED", "▶ REPLAY", "5/8 ↓", "↕", "class▼", "a·b", "é", "日本", "e\u0301", "●\u20dd",
		"⚠\ufe0f", "tab\there", "\x1b[1mbold\x1b[m", "\x1b[38;2;1;2;3m█░\x1b[m", "\x1b[", "\x1b]8;;x\x07link\x1b]8;;\x07",
		s.Dim.Render("P6"), s.RowSpark.Render("▁▂ ▃"), s.VerdictStyle("ACTIVE").Render("● ACTIVE")}
	for r := rune(0x2500); r <= 0x259f; r++ {
		cases = append(cases, string(r), "x"+string(r)+"y")
	}
	for _, r := range narrowRunes {
		cases = append(cases, string(r), string(r)+"\u0301")
	}
	for _, c := range cases {
		if got, want := cellWidth(c), ansi.StringWidth(c); got != want {
			t.Errorf("cellWidth(%q) = %d, ansi.StringWidth says %d", c, got, want)
		}
	}
}

// TestSparklineWrap: a sparkline styled by its wrap is byte for byte the
// style's rendering of it, in both palettes.
func TestSparklineWrap(t *testing.T) {
	values := []float64{1, 5, 0, 3, 8, 8, 2}
	for _, dark := range []bool{true, false} {
		s := NewStyles(dark)
		for _, style := range []lipgloss.Style{s.RowSpark, s.Spark} {
			plain := drawSparklineIn(values, 12, wrap{})
			if got, want := drawSparklineIn(values, 12, wrapOf(style)), style.Render(plain); got != want {
				t.Errorf("dark %v: wrapped %q, rendered %q", dark, got, want)
			}
		}
	}
}
