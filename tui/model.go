package tui

// Model: the top Bubble Tea model. It routes messages to the panel models,
// lays them out in the room the terminal has, turns keys into Commands for
// the Source (through the prompt for / and v), owns the screen-only state
// (idle rows hidden, the status message's expiry, the hints that follow
// the state), and pulls a new Frame on every tick (at most 10 per second).
// It never touches allocator, workload or sampler state itself.

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/haktop/haktop/live"
)

// Screen limits.
const (
	MinWidth  = 80
	MinHeight = 24
	// MaxFPS is the most frames the screen renders per second.
	MaxFPS = 10
	// DefaultTick is how often the model pulls a frame from its Source.
	DefaultTick = time.Second / MaxFPS
	// MessageTTL is how long a command's outcome stays on the status line.
	MessageTTL = 5 * time.Second
)

// Options configure a Model.
type Options struct {
	Sort   SortColumn       // the classes table's initial sort
	Replay bool             // use the replay key map (seek, speed) instead of the live one
	Tick   time.Duration    // frame pull interval; 0 means DefaultTick, < 0 means no ticks (tests drive them)
	Dark   bool             // assume a dark background until the terminal answers
	Now    func() time.Time // the clock messages expire by; nil means time.Now
}

// Ticker is implemented by sources whose state moves with the screen's
// ticks rather than with the wall clock: a replay advances by the tick
// interval times its speed, so the same ticks give the same position.
type Ticker interface {
	Tick(d time.Duration)
}

// tickMsg asks the model to pull a frame.
type tickMsg struct{}

// resultMsg is the outcome of a Command the Source carried out.
type resultMsg struct {
	text string
	err  error
}

// Model is the haktop screen.
type Model struct {
	src    Source
	opts   Options
	tick   time.Duration
	styles *Styles
	dark   bool
	keys   KeyMap

	header   headerModel
	classes  classesModel
	hotPaths hotPathsModel
	gates    gatesModel
	chart    historyModel
	footer   footerModel
	prompt   promptModel // the find or value prompt, over the status line while open

	hideIdle bool // i: idle classes and paths are left out
	// footerFor says whose keys the footer's help shows: a command run's
	// (haktop run) leave out those that change a workload or gates, and a
	// target without gates has no gate to find.
	footerFor  footerKind
	findCursor int   // the gates cursor when / opened, for esc
	findFocus  panel // the focus when / opened

	focus         panel
	width, height int
	frame         Frame

	// lower keeps the hot paths and gates joined side by side until either
	// changes: View runs after every message, the panels change per frame.
	lower *joined
}

// joined is the last side-by-side join of two panels and its inputs.
type joined struct {
	left, right, out string
	leftWidth        int
}

// besides returns besides(left, leftWidth, right), joining again only
// when an input changed.
func (j *joined) besides(left string, leftWidth int, right string) string {
	if j == nil {
		return besides(left, leftWidth, right)
	}
	if j.out == "" || left != j.left || right != j.right || leftWidth != j.leftWidth {
		j.left, j.right, j.leftWidth, j.out = left, right, leftWidth, besides(left, leftWidth, right)
	}
	return j.out
}

// New returns the screen for src.
func New(src Source, opts Options) Model {
	s := NewStyles(opts.Dark)
	k := NewKeyMap(opts.Replay)
	tick := opts.Tick
	if tick == 0 {
		tick = DefaultTick
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := Model{
		src: src, opts: opts, tick: tick, styles: s, dark: opts.Dark, keys: k,
		header:   newHeaderModel(s),
		classes:  newClassesModel(s, k, opts.Sort),
		hotPaths: newHotPathsModel(s, k),
		gates:    newGatesModel(s, k),
		chart:    newHistoryModel(s),
		footer:   newFooterModel(s, k),
		lower:    &joined{},
	}
	m.setFocus(panelClasses)
	m.setFrame(src.Frame())
	return m
}

// Init asks the terminal for its background colour and starts the ticks.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.nextTick())
}

func (m Model) nextTick() tea.Cmd {
	if m.tick < 0 {
		return nil
	}
	return tea.Tick(m.tick, func(time.Time) tea.Msg { return tickMsg{} })
}

// Update routes msg: sizes and colours to every panel, keys to the screen's
// bindings first and then to the focused panel, frames to every panel.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil

	case tea.BackgroundColorMsg:
		if dark := msg.IsDark(); dark != m.dark {
			m.restyle(dark)
		}
		return m, nil

	case tickMsg:
		if t, ok := m.src.(Ticker); ok {
			t.Tick(m.tick)
		}
		h := m.header.height()
		m.header.expire(m.opts.Now())
		m.setFrame(m.src.Frame())
		m.fitHeader(h)
		return m, m.nextTick()

	case resultMsg:
		h := m.header.height()
		if msg.err != nil {
			m.header.setMessage(msg.err.Error(), true, m.opts.Now().Add(MessageTTL))
		} else {
			m.header.setMessage(msg.text, false, m.opts.Now().Add(MessageTTL))
		}
		m.setFrame(m.src.Frame())
		m.fitHeader(h)
		return m, nil

	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

// handleKey routes a key (routeKey) and fits the layout to the header,
// whose status line the prompt may have taken.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	h := m.header.height()
	next, cmd := m.routeKey(msg)
	// The prompt, open or not, takes the status line's place.
	m = next
	m.header.prompt, m.header.promptErr = "", ""
	if m.prompt.open() {
		m.header.prompt, m.header.promptErr = m.prompt.input.View(), m.prompt.err
	}
	m.fitHeader(h)
	return m, cmd
}

// routeKey maps a key to a screen action or a Command, or passes it to the
// open prompt or the focused panel.
func (m Model) routeKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	if m.prompt.open() {
		return m.handlePromptKey(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Redraw):
		return m, tea.ClearScreen
	case key.Matches(msg, k.HideIdle):
		m.hideIdle = !m.hideIdle
		m.classes.setHideIdle(m.hideIdle)
		m.hotPaths.setHideIdle(m.hideIdle)
		m.header.hideIdle = m.hideIdle
		m.layout()
		return m, nil
	case key.Matches(msg, k.Find):
		m.findCursor, m.findFocus = m.gates.cursor, m.focus
		m.prompt = openPrompt(m.styles, promptFind, "find gate: ", "", nil)
		return m, nil
	case key.Matches(msg, k.SetGate):
		g, ok := m.gates.selected()
		if !ok {
			return m, nil
		}
		var check func(string) error
		if c, ok := m.src.(live.GateChecker); ok {
			check = func(v string) error { return c.CheckGate(g.Env, v) }
		}
		m.prompt = openPrompt(m.styles, promptSetGate, "set "+g.Env+" = ", g.Value, check)
		m.prompt.env = g.Env
		return m, nil
	case key.Matches(msg, k.Help):
		m.footer.toggleFull()
		m.layout()
		return m, nil
	case key.Matches(msg, k.NextPanel), key.Matches(msg, k.PrevPanel):
		if m.noPathsOrGates() {
			return m, nil // the classes are the only panel on screen
		}
		if key.Matches(msg, k.NextPanel) {
			m.setFocus((m.focus + 1) % numPanels)
		} else {
			m.setFocus((m.focus + numPanels - 1) % numPanels)
		}
		return m, nil
	case key.Matches(msg, k.Sort):
		m.classes.cycleSort()
		return m, nil
	case key.Matches(msg, k.Pause), key.Matches(msg, k.Play):
		return m, m.send(Command{Kind: CmdTogglePause})
	case key.Matches(msg, k.Workload):
		return m, m.send(Command{Kind: CmdCycleWorkload})
	case key.Matches(msg, k.More):
		return m, m.send(Command{Kind: CmdWorkers, Arg: 1})
	case key.Matches(msg, k.Fewer):
		return m, m.send(Command{Kind: CmdWorkers, Arg: -1})
	case key.Matches(msg, k.Worker):
		return m, m.send(Command{Kind: CmdWorkerFilter})
	case key.Matches(msg, k.Record):
		return m, m.send(Command{Kind: CmdRecord})
	case key.Matches(msg, k.Export):
		return m, m.send(Command{Kind: CmdExport})
	case key.Matches(msg, k.Gate):
		g, ok := m.gates.selected()
		if !ok {
			return m, nil
		}
		return m, m.send(Command{Kind: CmdToggleGate, Env: g.Env})
	case key.Matches(msg, k.Back):
		return m, m.send(Command{Kind: CmdSeek, Arg: -1})
	case key.Matches(msg, k.Forward):
		return m, m.send(Command{Kind: CmdSeek, Arg: 1})
	case key.Matches(msg, k.Speed):
		return m, m.send(Command{Kind: CmdSpeed, Arg: int(msg.Code - '0')})
	}

	var cmd tea.Cmd
	switch m.focus {
	case panelClasses:
		m.classes, cmd = m.classes.Update(msg)
	case panelHotPaths:
		m.hotPaths, cmd = m.hotPaths.Update(msg)
	case panelGates:
		m.gates, cmd = m.gates.Update(msg)
	}
	return m, cmd
}

// handlePromptKey gives keys to the open prompt: esc closes it (a find puts
// the cursor back), enter accepts it (a value only when the source's parser
// does), and every other key edits the text; a find moves the gates cursor
// to the first gate whose name holds the text.
func (m Model) handlePromptKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Cancel):
		if m.prompt.kind == promptFind {
			m.gates.jump(m.findCursor)
			m.setFocus(m.findFocus)
		}
		m.prompt = promptModel{}
		return m, nil
	case key.Matches(msg, k.Accept):
		switch m.prompt.kind {
		case promptFind:
			if m.prompt.err == "" {
				m.setFocus(panelGates)
			}
		case promptSetGate:
			if m.prompt.err != "" {
				return m, nil // the error and the accepted forms stay on screen
			}
			c := Command{Kind: CmdSetGate, Env: m.prompt.env, Value: m.prompt.value()}
			m.prompt = promptModel{}
			return m, m.send(c)
		}
		m.prompt = promptModel{}
		return m, nil
	}
	m.prompt = m.prompt.update(msg)
	if m.prompt.kind == promptFind {
		text := m.prompt.value()
		if i := m.gates.find(text); i >= 0 {
			m.gates.jump(i)
		} else if text != "" {
			m.prompt.err = fmt.Sprintf("no gate matches %q", text)
		}
	}
	return m, nil
}

// fitHeader lays the panels out again when the header is no longer was
// rows tall (the status line wrapped or unwrapped).
func (m *Model) fitHeader(was int) {
	if m.header.height() != was {
		m.layout()
	}
}

// send returns a tea.Cmd that carries out c on the Source off the update
// loop and reports the outcome.
func (m Model) send(c Command) tea.Cmd {
	src := m.src
	return func() tea.Msg {
		text, err := src.Apply(c)
		return resultMsg{text: text, err: err}
	}
}

// setFrame hands f to the panels; the tables re-render only when f holds
// new data, the header (status, messages) always.
func (m *Model) setFrame(f Frame) {
	fresh := f.Seq != m.frame.Seq || m.frame.Classes == nil
	before := m.rowCounts()
	m.frame = f
	m.header.setFrame(f)
	m.hints(f.Status)
	if fresh {
		m.classes.setFrame(f)
		m.hotPaths.setFrame(f)
		m.gates.setFrame(f)
		m.chart.setFrame(f)
	}
	if m.rowCounts() != before {
		m.layout() // the panels' heights follow their row counts
	}
}

func (m *Model) setFocus(p panel) {
	m.focus = p
	m.classes.setFocus(p == panelClasses)
	m.hotPaths.setFocus(p == panelHotPaths)
	m.gates.setFocus(p == panelGates)
}

func (m *Model) restyle(dark bool) {
	m.dark = dark
	*m.styles = *NewStyles(dark)
	m.classes.memo = memo{} // rendered in the old colours
	m.gates.memo = memo{}
	m.hotPaths = newHotPathsModel(m.styles, m.keys)
	m.footer = newFooterModel(m.styles, m.keys)
	m.footerFor = footerKind{} // the new footer shows every key
	m.chart.render()
	m.setFocus(m.focus)
	m.layout()
	m.setFrame(m.frame)
}

// footerKind is what decides which keys the footer's help leaves out.
type footerKind struct{ command, noGates bool }

// hints makes the footer's space hint say what space does now: pause or
// resume a live session, pause or play a replay.
func (m *Model) hints(st Status) {
	kind := footerKind{command: m.frame.Process != nil, noGates: len(m.frame.Gates) == 0}
	before := m.keys.Play.Help().Desc + " " + m.keys.Pause.Help().Desc
	defer func() {
		// The footer's help is redrawn only when a hint changed: it is
		// measured and styled key by key.
		if m.keys.Play.Help().Desc+" "+m.keys.Pause.Help().Desc != before || m.footer.view == "" || kind != m.footerFor {
			m.footerFor = kind
			shown := m.keys
			if kind.noGates {
				shown.Find.SetEnabled(false)
			}
			if kind.command {
				// A program haktop runs has no workload, workers or gates
				// to change: the help leaves those keys out (pressed, they
				// say so on the status line).
				for _, b := range []*key.Binding{&shown.Workload, &shown.More, &shown.Fewer, &shown.Worker, &shown.Gate, &shown.SetGate} {
					b.SetEnabled(false)
				}
			}
			m.footer.setKeys(shown)
		}
	}()
	if r := st.Replay; r != nil {
		help := "play"
		if r.Playing {
			help = "pause"
		}
		m.keys.Play.SetHelp("space", help)
	} else {
		help := "pause"
		if st.Paused {
			help = "resume"
		}
		m.keys.Pause.SetHelp("space", help)
	}
}

// rowCounts returns how many rows each table panel has to show, and the
// banner's (0 when it has nothing to say: its row goes to the panels).
func (m Model) rowCounts() [numPanels + 1]int {
	banner := 0
	if m.gates.banner(m.width) != "" {
		banner = 1
	}
	return [numPanels + 1]int{m.classes.count(), m.hotPaths.count(), len(m.gates.gates), banner}
}

// noPathsOrGates reports whether the target has neither paths nor gates
// (the preload shim's tables): then their panels are not shown at all.
func (m Model) noPathsOrGates() bool {
	return len(m.frame.Paths) == 0 && len(m.frame.Gates) == 0
}

// sideBySide reports whether hot paths and gates share a row.
func (m Model) sideBySide() bool { return m.width >= 120 }

// layout sizes the panels for the terminal. Each table asks for its rows
// plus a title row. From 120 columns the hot paths and the gates share a
// row. When everything fits, the rows left over go to the ops/s history
// chart at the bottom; when it does not, the classes get up to half the
// room (all their rows if the rest still fits) and the others the rest,
// and panels with hidden rows show their scroll position.
func (m *Model) layout() {
	if m.width < MinWidth || m.height < MinHeight {
		return
	}
	w := m.width
	m.header.setWidth(w)
	m.footer.setWidth(w)
	footerH := lipgloss.Height(m.footer.View())
	counts := m.rowCounts()
	rest := m.height - m.header.height() - footerH - counts[numPanels]

	classNeed := max(counts[panelClasses], 1) + 1
	if len(m.frame.Classes) == 0 {
		classNeed = 17
	}
	pathNeed := max(counts[panelHotPaths], 1) + 1
	gateNeed := max(counts[panelGates], 1) + 1
	chartH := 0
	if m.noPathsOrGates() { // e.g. the preload shim's request classes: the classes and the chart take the room
		classesH := min(classNeed, rest)
		if spare := rest - classesH; spare >= minChartHeight {
			chartH = spare
		} else {
			classesH = rest
		}
		m.classes.setSize(w, classesH)
		m.hotPaths.setSize(w, 0)
		m.gates.setSize(w, 0)
		m.chart.setSize(w, chartH)
		return
	}
	if m.sideBySide() {
		lowerNeed := max(pathNeed, gateNeed)
		classesH := min(classNeed, max(rest/2, rest-lowerNeed))
		lower := rest - classesH
		if spare := lower - lowerNeed; spare >= minChartHeight {
			chartH, lower = spare, lowerNeed
		}
		gatesW := 0
		for _, v := range gateMinWidths {
			gatesW += v + cellPad
		}
		gatesW = max(gatesW, w*45/100)
		m.classes.setSize(w, classesH)
		m.hotPaths.setSize(w-gatesW-1, lower)
		m.gates.setSize(gatesW, lower)
		m.chart.setSize(w, chartH)
		return
	}
	if spare := rest - classNeed - pathNeed - gateNeed; spare >= 0 {
		if spare < minChartHeight {
			pathNeed += spare
		} else {
			chartH = spare
		}
		m.classes.setSize(w, classNeed)
		m.hotPaths.setSize(w, pathNeed)
		m.gates.setSize(w, gateNeed)
		m.chart.setSize(w, chartH)
		return
	}
	classesH := min(classNeed, max(rest/2-1, 6))
	lower := rest - classesH
	gatesH := min(gateNeed, (lower+1)/2)
	m.classes.setSize(w, classesH)
	m.hotPaths.setSize(w, lower-gatesH)
	m.gates.setSize(w, gatesH)
	m.chart.setSize(w, 0)
}

// View lays the panels out, or says the terminal is too small.
func (m Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "haktop"
	if m.width == 0 {
		return v
	}
	if m.width < MinWidth || m.height < MinHeight {
		msg := m.styles.TooSmall.Render(fmt.Sprintf("terminal too small: need %dx%d", MinWidth, MinHeight)) +
			"\n" + m.styles.Dim.Render(fmt.Sprintf("now %dx%d", m.width, m.height))
		v.SetContent(lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, msg))
		return v
	}
	var lower string
	switch {
	case m.noPathsOrGates():
	case m.sideBySide():
		lower = m.lower.besides(m.hotPaths.View(), m.hotPaths.width, m.gates.View())
	default:
		lower = m.hotPaths.View() + "\n" + m.gates.View()
	}
	// Every part is already cut to the width; only the height needs a cap
	// (the full help can be tall).
	parts := []string{m.header.View(), m.classes.View()}
	if lower != "" {
		parts = append(parts, lower)
	}
	if c := m.chart.View(); c != "" {
		parts = append(parts, c)
	}
	if b := m.gates.banner(m.width); b != "" {
		parts = append(parts, b)
	}
	parts = append(parts, m.footer.View())
	lines := strings.Split(strings.Join(parts, "\n"), "\n")
	v.SetContent(strings.Join(lines[:min(len(lines), m.height)], "\n"))
	return v
}

// besides returns left and right side by side, one space apart; left's lines
// are padded to leftWidth. It is lipgloss.JoinHorizontal for two blocks
// whose widths are known, without measuring every line again.
func besides(left string, leftWidth int, right string) string {
	l, r := strings.Split(left, "\n"), strings.Split(right, "\n")
	var b strings.Builder
	for i := range max(len(l), len(r)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		pad := leftWidth
		if i < len(l) {
			b.WriteString(l[i])
			pad -= cellWidth(l[i])
		}
		b.WriteString(strings.Repeat(" ", max(pad, 0)+1))
		if i < len(r) {
			b.WriteString(r[i])
		}
	}
	return b.String()
}
