package tui

// classesModel: the per-class table (for the embedded allocator tiny
// C0..C7, pool P0..P6, large L) with the columns of numbers the frame's
// target has (rates, fast-hit ratio), blocks and bytes in use when they are
// measured, and an alloc/s sparkline per row. It owns the sort order (s
// cycles it through the columns on screen, --sort picks it at start) and
// its table's cursor; it renders rows when a frame arrives, so View only
// joins cached strings.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/textfmt"
)

// SortColumn is a column the classes table can be sorted by.
type SortColumn int

// Sort columns, in the order s cycles through them: class, size, the
// columns of live.ClassColumns in their order, live blocks, live bytes.
const (
	SortClass SortColumn = iota
	SortSize
	SortAlloc
	SortFast
	SortRefill
	SortFallback
	SortFree
	SortRemote
	SortLive  // blocks in use
	SortBytes // bytes in use
	numSortColumns
)

// sortNames are the --sort names, by SortColumn; the columns of numbers
// are named by live.ClassColumns.
var sortNames = func() [numSortColumns]string {
	var out [numSortColumns]string
	out[SortClass], out[SortSize], out[SortLive], out[SortBytes] = "class", "size", "live", "bytes"
	if len(live.ClassColumns) != int(SortLive-SortAlloc) {
		panic("tui: a live.ClassColumns column has no SortColumn")
	}
	for i, c := range live.ClassColumns {
		out[int(SortAlloc)+i] = c.Key
	}
	return out
}()

// SortColumnNames returns the --sort names, in the order s cycles through
// them.
func SortColumnNames() []string { return slices.Clone(sortNames[:]) }

// String returns the column's --sort name.
func (c SortColumn) String() string { return sortNames[c] }

// ParseSortColumn returns the column --sort names, or an error naming the
// value and the accepted forms.
func ParseSortColumn(name string) (SortColumn, error) {
	for i, n := range sortNames {
		if strings.EqualFold(name, n) {
			return SortColumn(i), nil
		}
	}
	return 0, fmt.Errorf("--sort %q: want one of %s", name, strings.Join(sortNames[:], ", "))
}

// classCol is one column of the classes table as drawn.
type classCol struct {
	sort  SortColumn // the sort it marks; -1 for the sparkline
	title string
	min   int // the narrowest it gets; room for the ▼ after its title
	value int // the frame's column it shows, -1 for class, size, live, bytes and the sparkline
}

// classMinWidths are the narrowest each sortable column gets; the
// sparkline (4 at least) takes the rest.
var classMinWidths = [numSortColumns]int{6, 5, 8, 7, 9, 11, 7, 9, 6, 11}

const sparkMinWidth = 4

// classDropOrder is the order columns leave a terminal too narrow for all
// of them (80 columns drops the first two); the sorted column stays.
var classDropOrder = []SortColumn{SortFallback, SortRemote, SortRefill}

// classCols returns the columns a frame of columns cols (and live blocks
// and bytes when live) is drawn with: class, size, cols, live, live bytes,
// the alloc/s sparkline.
func classCols(cols []live.ClassColumn, live bool) []classCol {
	out := []classCol{{sort: SortClass, title: "class", min: classMinWidths[SortClass], value: -1},
		{sort: SortSize, title: "size", min: classMinWidths[SortSize], value: -1}}
	for i, c := range cols {
		s := sortOf(c.Key)
		out = append(out, classCol{sort: s, title: c.Title, min: classMinWidths[s], value: i})
	}
	if live {
		out = append(out, classCol{sort: SortLive, title: "live", min: classMinWidths[SortLive], value: -1},
			classCol{sort: SortBytes, title: "live bytes", min: classMinWidths[SortBytes], value: -1})
	}
	return append(out, classCol{sort: -1, title: "alloc/s history", min: sparkMinWidth, value: -1})
}

// sortOf returns the sort a column of numbers is named by.
func sortOf(key string) SortColumn {
	return SortColumn(slices.Index(sortNames[:], key))
}

type classesModel struct {
	tablePanel
	hideIdle bool // i: classes with no allocs, no frees and no live blocks are left out
	sort     SortColumn
	rows     []ClassRow         // the frame's rows, in class order
	columns  []live.ClassColumn // the frame's columns of numbers
	live     bool               // the frame measures blocks and bytes in use
	cols     []classCol         // the columns drawn, from columns and live
	shown    []string           // the classes on screen, in display order
	memo     memo               // renderings of idle cells
}

func newClassesModel(s *Styles, k KeyMap, sort SortColumn) classesModel {
	return classesModel{tablePanel: newTablePanel(s, k), sort: sort, memo: memo{}}
}

func (m *classesModel) setFocus(on bool) {
	m.focus(on)
	m.render()
}

func (m *classesModel) setSize(w, h int) {
	m.resize(w, h)
	m.render()
}

func (m *classesModel) setFrame(f Frame) {
	if m.cols == nil || f.Live != m.live || !slices.Equal(f.Columns, m.columns) {
		m.columns, m.live = f.Columns, f.Live
		m.cols = classCols(m.columns, m.live)
	}
	m.rows = f.Classes
	m.render()
}

// sparkCol returns the sparkline's column index.
func (m classesModel) sparkCol() int { return len(m.cols) - 1 }

// column returns the drawn column sort s marks, or -1 when the frame has
// no such column.
func (m classesModel) column(s SortColumn) int {
	return slices.IndexFunc(m.cols, func(c classCol) bool { return c.sort == s })
}

// idleClass reports whether i leaves r out: no traffic and nothing in use.
func idleClass(r ClassRow) bool { return r.Idle() && r.LiveBlocks == 0 }

func (m *classesModel) setHideIdle(on bool) {
	m.hideIdle = on
	m.render()
}

// count returns how many rows the panel shows.
func (m classesModel) count() int { return countShown(m.rows, m.hideIdle, idleClass) }

// sortedRows returns the rows in display order: class order for class and
// size (and for a column the frame does not have), otherwise busiest
// first, ties in class order.
func (m classesModel) sortedRows() []ClassRow {
	rows := slices.Clone(m.rows)
	if m.hideIdle {
		rows = slices.DeleteFunc(rows, idleClass)
	}
	col := m.column(m.sort)
	if m.sort == SortClass || m.sort == SortSize || col < 0 {
		return rows // class order is size order
	}
	var key func(r ClassRow) float64
	switch c := m.cols[col]; {
	case m.sort == SortLive:
		key = func(r ClassRow) float64 { return float64(r.LiveBlocks) }
	case m.sort == SortBytes:
		key = func(r ClassRow) float64 { return float64(r.LiveBytes) }
	default:
		key = func(r ClassRow) float64 {
			if v := r.Values[c.value]; !math.IsNaN(v) {
				return v
			}
			return -1
		}
	}
	slices.SortStableFunc(rows, func(a, b ClassRow) int { return cmp.Compare(key(b), key(a)) })
	return rows
}

// render rebuilds the table's columns and rows from the frame, keeping the
// cursor on the class it was on.
func (m *classesModel) render() {
	if m.width == 0 {
		return
	}
	if m.cols == nil {
		m.cols = classCols(nil, false)
	}
	// The cursor stays on its class when the order changes, unless it is
	// on the first row: then it stays there, so a new sort shows the top.
	var selected string
	if m.cursor > 0 && m.cursor < len(m.shown) {
		selected = m.shown[m.cursor]
	}
	sparkCol := m.sparkCol()
	mins := make([]int, len(m.cols))
	need := 0
	for i, c := range m.cols {
		mins[i] = c.min
		need += c.min + cellPad
	}
	for _, s := range classDropOrder {
		if need <= m.width {
			break
		}
		if c := m.column(s); c >= 0 && s != m.sort {
			need -= mins[c] + cellPad
			mins[c] = 0
		}
	}
	widths := fitColumns(m.width, mins, nil, sparkCol, HistoryLen)
	marked := m.sort // the column with ▼: class when the frame has no column to sort by
	if m.column(marked) < 0 {
		marked = SortClass
	}
	cols := make([]table.Column, len(m.cols))
	for i, c := range m.cols {
		title := c.title
		if i > 0 && i < sparkCol {
			title = alignRight(titled(title, marked == c.sort), widths[i])
		} else {
			title = titled(title, marked == c.sort && i == 0)
		}
		cols[i] = table.Column{Title: title, Width: widths[i]}
	}
	rows := m.sortedRows()
	out := make([]table.Row, len(rows))
	spark := wrapOf(m.styles.RowSpark)
	m.shown = m.shown[:0]
	cursor := -1
	for i, r := range rows {
		m.shown = append(m.shown, r.Class)
		cells := make(table.Row, len(m.cols))
		for j, c := range m.cols {
			var v string
			switch {
			case j == sparkCol:
				cells[j] = drawSparklineIn(r.History, widths[j], spark)
				continue
			case c.sort == SortClass:
				cells[j] = r.Class
				continue
			case c.sort == SortSize:
				v = r.SizeLabel
			case c.sort == SortLive:
				v = textfmt.Rate(float64(r.LiveBlocks))
			case c.sort == SortBytes:
				v = textfmt.Bytes(r.LiveBytes)
			case m.columns[c.value].Ratio():
				v = textfmt.Percent(r.Values[c.value])
			default:
				v = textfmt.Rate(r.Values[c.value])
			}
			cells[j] = alignRight(v, widths[j])
		}
		if r.Idle() {
			for c := range sparkCol {
				cells[c] = m.memo.render("dim", m.styles.Dim, cells[c])
			}
		}
		if r.Class == selected {
			cursor = i
		}
		out[i] = cells
	}
	if m.setTable(cols, out, cursor) || m.view == "" {
		m.finish()
	}
}

// cycleSort moves the sort to the next column on screen.
func (m *classesModel) cycleSort() {
	if m.column(m.sort) < 0 {
		m.sort = SortClass // what the screen shows for a sort it has no column for
	}
	for range numSortColumns {
		m.sort = (m.sort + 1) % numSortColumns
		if m.column(m.sort) >= 0 {
			break
		}
	}
	m.render()
}

// Update scrolls the table when the panel has focus.
func (m classesModel) Update(msg tea.Msg) (classesModel, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && m.focused && m.scroll(k) {
		m.render() // the window moved, and the rows the cursor left and reached restyle
	}
	return m, nil
}

func (m classesModel) View() string { return m.view }
