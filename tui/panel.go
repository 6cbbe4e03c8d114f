package tui

// Panel helpers shared by the three table panels (classes, hot paths,
// gates): building a bubbles table on the screen's key map, restyling it on
// focus changes, and aligning cells. The panels own their tables; this file
// owns no state.

import (
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// panel identifies a focusable panel, in tab order.
type panel int

const (
	panelClasses panel = iota
	panelHotPaths
	panelGates
	numPanels
)

// tablePanel is what the three table panels share: their table, its focus
// and size, and the table as last rendered. Each panel embeds one and
// renders its own rows.
type tablePanel struct {
	styles  *Styles
	keys    KeyMap
	table   table.Model
	focused bool
	view    string // the table as last rendered; View returns it
	width   int
	height  int
}

func newTablePanel(s *Styles, k KeyMap) tablePanel {
	p := tablePanel{styles: s, keys: k, table: newPanelTable(k)}
	styleTable(&p.table, s, false)
	return p
}

// focus restyles the table for on and drops the last rendering: the
// header's colour changed, and the cursor's row is plain only while
// focused. The panel renders again.
func (p *tablePanel) focus(on bool) {
	p.focused = on
	styleTable(&p.table, p.styles, on)
	p.view = ""
}

// resize fits the table to w x h and drops the last rendering.
func (p *tablePanel) resize(w, h int) {
	p.width, p.height = w, h
	p.table.SetHeight(h)
	p.table.SetWidth(w)
	p.view = ""
}

// newPanelTable returns a table that scrolls with the screen's keys only, so
// keys the table would otherwise claim (space, g, f, b) stay free for the
// screen.
func newPanelTable(k KeyMap) table.Model {
	none := key.NewBinding(key.WithDisabled())
	return table.New(table.WithKeyMap(table.KeyMap{
		LineUp:       k.Up,
		LineDown:     k.Down,
		PageUp:       k.PageUp,
		PageDown:     k.PageDown,
		HalfPageUp:   none,
		HalfPageDown: none,
		GotoTop:      key.NewBinding(key.WithKeys("home")),
		GotoBottom:   key.NewBinding(key.WithKeys("end")),
	}))
}

// styleTable sets t's styles for its focus state: only the focused table
// shows its cursor row and an accented header.
func styleTable(t *table.Model, s *Styles, focused bool) {
	ts := s.Table
	if focused {
		ts.Header = ts.Header.Foreground(s.Accent)
		t.Focus()
	} else {
		ts.Selected = lipgloss.NewStyle()
		t.Blur()
	}
	t.SetStyles(ts)
}

// cellPad is the space before each cell (see setTable).
const cellPad = 1

// fitColumns returns widths for columns whose minimum widths are mins so that
// they fill total cells (cell padding included): the column at grow takes
// what is left, up to growMax (0: no cap), and gives cells back first when
// total is short, then the first column does.
func fitColumns(total int, mins []int, grow, growMax int) []int {
	w := append([]int(nil), mins...)
	used := 0
	for _, v := range w {
		used += v + cellPad
	}
	switch extra := total - used; {
	case extra > 0:
		if growMax > 0 {
			extra = min(extra, growMax-w[grow])
		}
		w[grow] += max(extra, 0)
	case extra < 0:
		short := -extra
		for _, c := range []int{grow, 0} {
			give := min(short, w[c]-3)
			if give > 0 {
				w[c] -= give
				short -= give
			}
		}
	}
	return w
}

// alignRight pads s on the left to width w. s is plain text of
// single-cell runes (numbers, "—", titles with "▼"), so runes count cells.
func alignRight(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// titled returns col's title with a sort marker when it is the sort column.
func titled(name string, sorted bool) string {
	if sorted {
		return name + "▼"
	}
	return name
}

// setTable gives t new columns and rows and puts its cursor on row cursor
// (-1: where it was, kept in range). When the table has focus the cursor's
// row goes in as plain text: a cell's own style ends in a reset, which would
// cut the Selected style's highlight short after the first styled cell.
// Each of SetColumns, SetRows and SetCursor re-renders every row, so only
// what changed is set. It reports whether anything was.
func setTable(t *table.Model, cols []table.Column, rows []table.Row, cursor int) bool {
	// The cell padding goes into the text: a Cell style with padding costs
	// as much to render as the rest of the cell.
	padded := make([]table.Column, len(cols))
	for i, c := range cols {
		padded[i] = table.Column{Title: " " + c.Title, Width: c.Width + cellPad}
	}
	cols = padded
	for _, r := range rows {
		for i := range r {
			r[i] = " " + r[i]
		}
	}
	sameCols := slices.Equal(t.Columns(), cols)
	if !sameCols {
		t.SetColumns(cols)
	}
	if cursor < 0 {
		cursor = t.Cursor()
	}
	cursor = min(max(cursor, 0), len(rows)-1)
	if t.Focused() && cursor >= 0 {
		plain := make(table.Row, len(rows[cursor]))
		for i, cell := range rows[cursor] {
			plain[i] = ansi.Strip(cell)
		}
		rows[cursor] = plain
	}
	if sameCols && cursor == t.Cursor() && slices.EqualFunc(t.Rows(), rows, slices.Equal) {
		return false // e.g. the gates between verdict changes
	}
	t.SetRows(rows)
	if cursor >= 0 && cursor != t.Cursor() {
		t.SetCursor(cursor)
	}
	return true
}

// memo keeps the renderings of cells that repeat from frame to frame (idle
// zeros, class names, verdict labels): a lipgloss render costs more than the
// rest of a row. Keys name the style and the text; a panel drops its memo
// when the styles change.
type memo map[string]string

// render returns style's rendering of text, kept under key+text.
func (c memo) render(key string, style lipgloss.Style, text string) string {
	k := key + "\x00" + text
	if r, ok := c[k]; ok {
		return r
	}
	r := style.Render(text)
	c[k] = r
	return r
}
