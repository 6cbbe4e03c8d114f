package tui

// Panel helpers shared by the three table panels (classes, hot paths,
// gates): the cursor and the window of rows on screen with its scroll
// position, restyling on focus changes, fitting columns to the width and
// aligning cells. The panels own their tables and rows; tablePanel owns
// which of them are on screen.

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
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
// and size, the cursor and the window of rows on screen, and the table as
// last rendered. Each panel embeds one and renders its own rows. The panel,
// not the bubbles table, scrolls: the table is given only the rows in the
// window, so the panel always knows which rows are hidden and can say so.
type tablePanel struct {
	styles  *Styles
	keys    KeyMap
	table   rowTable
	focused bool
	view    string // the table as last rendered; View returns it
	width   int
	height  int

	cursor int // the selected row, from 0, among all the panel's rows
	offset int // the first row in the window
	total  int // how many rows the panel has
}

func newTablePanel(s *Styles, k KeyMap) tablePanel {
	p := tablePanel{styles: s, keys: k, table: newRowTable()}
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

// window returns how many rows fit under the column titles.
func (p *tablePanel) window() int { return max(p.height-1, 0) }

// scroll moves the cursor for the scrolling keys and reports whether msg
// was one; the window follows the cursor.
func (p *tablePanel) scroll(msg tea.KeyPressMsg) bool {
	k := p.keys
	switch {
	case key.Matches(msg, k.Up):
		p.cursor--
	case key.Matches(msg, k.Down):
		p.cursor++
	case key.Matches(msg, k.PageUp):
		p.cursor -= max(p.window(), 1)
	case key.Matches(msg, k.PageDown):
		p.cursor += max(p.window(), 1)
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = p.total - 1
	default:
		return false
	}
	p.follow()
	return true
}

// follow keeps the cursor on a row and the window around the cursor.
func (p *tablePanel) follow() {
	p.cursor = min(max(p.cursor, 0), max(p.total-1, 0))
	win := p.window()
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if win > 0 && p.cursor >= p.offset+win {
		p.offset = p.cursor - win + 1
	}
	p.offset = min(max(p.offset, 0), max(p.total-win, 0))
}

// position returns the scroll position, e.g. "5/8 ↓" (rows down to the 5th
// of 8 shown, more below), or "" when every row is on screen.
func (p *tablePanel) position() string {
	win := p.window()
	if p.total <= win {
		return ""
	}
	last := min(p.offset+win, p.total)
	arrow := "↕"
	switch {
	case p.offset == 0:
		arrow = "↓"
	case last == p.total:
		arrow = "↑"
	}
	return fmt.Sprintf("%d/%d %s", last, p.total, arrow)
}

// finish renders the table and writes the scroll position at the right end
// of its title row.
func (p *tablePanel) finish() {
	v := p.table.View()
	pos := p.position()
	if pos == "" {
		p.view = v
		return
	}
	title, body, _ := strings.Cut(v, "\n")
	room := p.width - ansi.StringWidth(pos) - 1
	title = ansi.Truncate(title, room, "")
	title += strings.Repeat(" ", max(room-ansi.StringWidth(title), 0)) + " " + p.styles.Position.Render(pos)
	p.view = title + "\n" + body
}

// styleTable sets t's styles for its focus state: only the focused table
// shows its cursor row and an accented header.
func styleTable(t *rowTable, s *Styles, focused bool) {
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

// fitColumns returns widths for columns that fill total cells (cell padding
// included). Each column gets at least its minimum in mins; room left over
// goes to the columns in wants, in the order listed, up to the width each
// wants, and what is left after that to the column at grow, up to growMax
// (0: no cap). When total is short of the minimums, the grow column and
// then the first give cells back (down to 3). A column whose minimum is 0
// is hidden: it takes no room, not even its padding.
func fitColumns(total int, mins []int, wants []want, grow, growMax int) []int {
	w := append([]int(nil), mins...)
	used := 0
	for _, v := range w {
		if v > 0 {
			used += v + cellPad
		}
	}
	extra := total - used
	if extra < 0 {
		short := -extra
		for _, c := range []int{grow, 0} {
			give := min(short, w[c]-3)
			if give > 0 {
				w[c] -= give
				short -= give
			}
		}
		return w
	}
	for _, wt := range wants {
		add := min(extra, max(wt.width-w[wt.col], 0))
		w[wt.col] += add
		extra -= add
	}
	if growMax > 0 {
		extra = min(extra, growMax-w[grow])
	}
	w[grow] += max(extra, 0)
	return w
}

// want is a column's preferred width, for fitColumns.
type want struct{ col, width int }

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

// setTable gives the panel's table new columns and the rows in the window
// of rows (every row of the panel), and puts the cursor on row cursor (-1:
// where it was, kept in range). When the table has focus the cursor's row
// goes in as plain text: a cell's own style ends in a reset, which would
// cut the Selected style's highlight short after the first styled cell.
// Each of SetColumns, SetRows and SetCursor re-renders every row, so only
// what changed is set. It reports whether anything was.
func (p *tablePanel) setTable(cols []table.Column, rows []table.Row, cursor int) bool {
	t := &p.table
	// The cell padding goes into the text: a Cell style with padding costs
	// as much to render as the rest of the cell.
	padded := make([]table.Column, len(cols))
	for i, c := range cols {
		padded[i] = table.Column{Title: " " + c.Title}
		if c.Width > 0 { // the table skips a column of width 0
			padded[i].Width = c.Width + cellPad
		}
	}
	cols = padded
	oldPos := p.position()
	p.total = len(rows)
	if cursor >= 0 {
		p.cursor = cursor
	}
	p.follow()
	win := rows[p.offset:min(p.offset+max(p.window(), 1), len(rows))]
	for _, r := range win {
		for i := range r {
			r[i] = " " + r[i]
		}
	}
	at := p.cursor - p.offset
	if len(win) == 0 {
		at = -1
	}
	if t.Focused() && at >= 0 {
		plain := make(table.Row, len(win[at]))
		for i, cell := range win[at] {
			plain[i] = ansi.Strip(cell)
		}
		win[at] = plain
	}
	sameCols := slices.Equal(t.Columns(), cols)
	if sameCols && at == t.Cursor() && oldPos == p.position() && slices.EqualFunc(t.Rows(), win, slices.Equal) {
		return false // e.g. the gates between verdict changes
	}
	if !sameCols {
		t.SetColumns(cols)
	}
	t.SetRows(win)
	if at >= 0 && at != t.Cursor() {
		t.SetCursor(at)
	}
	return true
}

// countShown returns how many of rows a panel shows: all of them, or with
// hideIdle those idle does not report.
func countShown[R any](rows []R, hideIdle bool, idle func(R) bool) int {
	if !hideIdle {
		return len(rows)
	}
	n := 0
	for _, r := range rows {
		if !idle(r) {
			n++
		}
	}
	return n
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
