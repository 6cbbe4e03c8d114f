package tui

// gatesModel: every env gate with its effective value, where the value came
// from, and profile/'s verdict in colour with a symbol, plus the banner that
// warns when gated paths never ran. Its cursor picks the gate g toggles and
// v sets, and / moves it to a gate by name (find, jump); the toggle and the
// value are Commands the top model sends to the Source.

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/textfmt"
)

const (
	gColEnv = iota
	gColValue
	gColSource
	gColVerdict
	numGateCols
)

var gateTitles = [numGateCols]string{"gate", "value", "source", "verdict"}

var gateMinWidths = []int{22, 7, 7, 16}

type gatesModel struct {
	tablePanel
	gates []GateRow
	paths []PathRow
	memo  memo // renderings of verdict cells and banners
}

func newGatesModel(s *Styles, k KeyMap) gatesModel {
	return gatesModel{tablePanel: newTablePanel(s, k), memo: memo{}}
}

func (m *gatesModel) setFocus(on bool) {
	m.focus(on)
	m.render()
}

func (m *gatesModel) setSize(w, h int) {
	m.resize(w, h)
	m.render()
}

func (m *gatesModel) setFrame(f Frame) {
	m.gates, m.paths = f.Gates, f.Paths
	m.render()
}

// selected returns the gate under the cursor, and false when there is none.
func (m gatesModel) selected() (GateRow, bool) {
	i := m.cursor
	if i < 0 || i >= len(m.gates) {
		return GateRow{}, false
	}
	return m.gates[i], true
}

// find returns the index of the first gate whose name holds text, in any
// case, or -1; "" matches none.
func (m gatesModel) find(text string) int {
	if text == "" {
		return -1
	}
	for i, g := range m.gates {
		if strings.Contains(strings.ToLower(g.Env), strings.ToLower(text)) {
			return i
		}
	}
	return -1
}

// jump puts the cursor on gate i and scrolls it into view.
func (m *gatesModel) jump(i int) {
	m.cursor = i
	m.follow()
	m.render()
}

func (m *gatesModel) render() {
	if m.width == 0 {
		return
	}
	widths := fitColumns(m.width, gateMinWidths, nil, gColVerdict, 0)
	cols := make([]table.Column, numGateCols)
	for i := range cols {
		cols[i] = table.Column{Title: gateTitles[i], Width: widths[i]}
	}
	out := make([]table.Row, len(m.gates))
	for i, g := range m.gates {
		verdict := m.memo.render("none", m.styles.VerdictNone, "—")
		switch g.Verdict {
		case "":
		case profile.NotApplicable:
			verdict = m.memo.render("none", m.styles.VerdictNone, string(g.Verdict))
		default:
			verdict = m.memo.render(string(g.Verdict), m.styles.VerdictStyle(g.Verdict), VerdictSymbol(g.Verdict)+" "+string(g.Verdict))
		}
		out[i] = table.Row{g.Env, g.Value, g.Source, verdict}
	}
	if m.setTable(cols, out, -1) || m.view == "" {
		m.finish()
	}
}

// banner returns the warning line about never-executed and inconsistent
// paths, cut to width, or "" when every gated path is accounted for.
func (m gatesModel) banner(width int) string {
	never, bad := 0, 0
	for _, p := range m.paths {
		switch p.Verdict {
		case profile.NeverExecuted:
			never++
		case profile.Inconsistent:
			bad++
		}
	}
	if never == 0 && bad == 0 {
		return ""
	}
	key := fmt.Sprintf("banner %d %d %d", never, bad, width)
	if b, ok := m.memo[key]; ok {
		return b
	}
	var out string
	if bad > 0 {
		out = m.styles.BannerError.Render(fmt.Sprintf("✖ %s ran with %s gate off: INCONSISTENT, a bug", textfmt.Count(bad, "path"), textfmt.Noun(bad, "its")))
	}
	if never > 0 {
		if out != "" {
			out += "  "
		}
		out += m.styles.Banner.Render(fmt.Sprintf("⚠ %s never executed: an A/B on %s measures noise", textfmt.Count(never, "gated path"), textfmt.Noun(never, "it")))
	}
	out = ansi.Truncate(out, width, "…")
	m.memo[key] = out
	return out
}

// Update scrolls the table when the panel has focus.
func (m gatesModel) Update(msg tea.Msg) (gatesModel, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && m.focused && m.scroll(k) {
		m.render() // the window moved, and the rows the cursor left and reached restyle
	}
	return m, nil
}

func (m gatesModel) View() string { return m.view }
