package tui

// rowTable: the table renderer the three table panels use. It renders
// exactly what bubbles' table.Model renders for the same columns, rows,
// styles and size (a test compares the two byte for byte), but pads and
// cuts cells by hand instead of through a lipgloss style per cell, which
// cost most of a new frame's rebuild. Only the header's cells and the
// cursor's row go through lipgloss. The panel does its own scrolling (see
// tablePanel), so this draws every row it is given from the top.

import (
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// rowTable holds what one panel's table draws.
type rowTable struct {
	cols    []table.Column
	rows    []table.Row
	cursor  int
	focused bool
	styles  table.Styles
	width   int    // the body's width in cells
	height  int    // the body's height in rows (the header line not included)
	plain   bool   // styles.Cell has no properties: a body cell is its text
	header  string // the header line as last drawn; "" after a change of columns or styles
}

func newRowTable() rowTable { return rowTable{styles: table.DefaultStyles(), plain: false} }

func (t *rowTable) SetStyles(s table.Styles) {
	t.styles, t.header = s, ""
	t.plain = s.Cell.String() == lipgloss.NewStyle().String() && s.Cell.GetTransform() == nil
}
func (t *rowTable) Focus()                      { t.focused = true }
func (t *rowTable) Blur()                       { t.focused = false }
func (t *rowTable) Focused() bool               { return t.focused }
func (t *rowTable) Columns() []table.Column     { return t.cols }
func (t *rowTable) Rows() []table.Row           { return t.rows }
func (t *rowTable) Cursor() int                 { return t.cursor }
func (t *rowTable) SetColumns(c []table.Column) { t.cols, t.header = c, "" }
func (t *rowTable) SetWidth(w int)              { t.width = w }

// SetHeight sets the height of header and body together, as bubbles' does.
func (t *rowTable) SetHeight(h int) { t.height = h - 1 }

func (t *rowTable) SetRows(r []table.Row) {
	t.rows = r
	t.cursor = min(t.cursor, len(r)-1)
}

// SelectedRow returns the cursor's row, or nil when there is none.
func (t *rowTable) SelectedRow() table.Row {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		return nil
	}
	return t.rows[t.cursor]
}

func (t *rowTable) SetCursor(n int) { t.cursor = min(max(n, 0), len(t.rows)-1) }

// View returns the header line and the body, the body padded to its width
// and height with spaces.
func (t *rowTable) View() string {
	if t.header == "" {
		var h strings.Builder
		for _, c := range t.cols {
			if c.Width > 0 {
				h.WriteString(t.styles.Header.Render(fitCell(c.Title, c.Width)))
			}
		}
		t.header = h.String() + "\n"
	}
	var b strings.Builder
	b.WriteString(t.header)
	switch {
	case t.width <= 0 || t.height == 0:
		return b.String()
	case t.height < 0: // bubbles' viewport draws one blank line then
		return b.String() + strings.Repeat(" ", t.width)
	}
	rowWidth := 0
	for _, c := range t.cols {
		if c.Width > 0 {
			rowWidth += c.Width
		}
	}
	lines := 0
	var row strings.Builder
	for r := range min(len(t.rows), t.height) {
		row.Reset()
		for i, v := range t.rows[r] {
			if i >= len(t.cols) || t.cols[i].Width <= 0 {
				continue
			}
			cell := fitCell(v, t.cols[i].Width)
			if !t.plain {
				cell = t.styles.Cell.Render(cell)
			}
			row.WriteString(cell)
		}
		line := row.String()
		if r == t.cursor && line != "" {
			line = t.styles.Selected.Render(line)
		}
		if lines > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(cutPad(line, rowWidth, t.width))
		lines++
	}
	for ; lines < t.height; lines++ {
		if lines > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat(" ", t.width))
	}
	return b.String()
}

// fitCell returns s cut to w cells (ending in "…" when cut), its tabs
// made 4 spaces, padded with spaces to w, as bubbles' table draws a cell.
func fitCell(s string, w int) string {
	n := cellWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
	}
	if strings.IndexByte(s, '\t') >= 0 { // lipgloss makes a tab 4 spaces, then cuts to MaxWidth
		s = strings.ReplaceAll(s, "\t", "    ")
		if cellWidth(s) > w {
			s = ansi.Truncate(s, w, "")
		}
	}
	n = cellWidth(s)
	if n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// cutPad fits a body line to the body's width: cut when wider, else padded
// with spaces. lineWidth is the line's width: every cell was fitted to its
// column's width exactly, and the cursor row's style adds no cells.
func cutPad(line string, lineWidth, w int) string {
	n := lineWidth
	if n > w {
		line = ansi.Cut(line, 0, w)
		n = ansi.StringWidth(line)
	}
	if n < w {
		return line + strings.Repeat(" ", w-n)
	}
	return line
}

// cellWidth returns s's width in cells: by counting, when s holds only
// printable ASCII, SGR escape sequences and runes of known width one (the
// box, block and symbol runes the panels draw); else as ansi.StringWidth
// measures it. TestCellWidth checks the two agree.
func cellWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= ' ' && c < 0x7f:
			n++
			i++
		case c == '\x1b' && i+1 < len(s) && s[i+1] == '[': // CSI: parameters, intermediates, a final byte
			j := i + 2
			for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f {
				j++
			}
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
				j++
			}
			if j >= len(s) || s[j] < 0x40 || s[j] > 0x7e {
				return ansi.StringWidth(s)
			}
			i = j + 1
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !narrowRune(r) {
				return ansi.StringWidth(s)
			}
			n++
			i += size
		default:
			return ansi.StringWidth(s)
		}
	}
	return n
}

// narrowRunes are the non-ASCII runes the panels draw that take one cell
// and never join the rune before them into one grapheme.
var narrowRunes = []rune("—…•·▼↑↓↕●○◌✖❚▶")

// narrowRune reports whether r is a box-drawing or block rune, or one of
// narrowRunes.
func narrowRune(r rune) bool {
	return r >= 0x2500 && r <= 0x259f || slices.Contains(narrowRunes, r)
}
