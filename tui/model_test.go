package tui

// Update logic of the screen, with no terminal: keys to Commands, focus,
// sorting, help, resizes, results and frames.

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/haktop/haktop/textfmt"
)

func liveModel(t *testing.T, w, h int) (Model, *fakeSource) {
	t.Helper()
	src := newFakeSource()
	m := drive(t, New(src, Options{Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: w, Height: h})
	return m.(Model), src
}

func plain(m tea.Model) string { return ansi.Strip(m.View().Content) }

func TestLiveKeysSendCommands(t *testing.T) {
	m, src := liveModel(t, 120, 40)
	// Move the gates cursor to the third gate before g.
	drive(t, m, append(keys("space", "w", "+", "-", "t", "r", "e", "tab", "tab", "down", "down", "g"),
		tea.KeyPressMsg{Code: '=', Text: "="})...)
	want := []Command{
		{Kind: CmdTogglePause},
		{Kind: CmdCycleWorkload},
		{Kind: CmdWorkers, Arg: 1},
		{Kind: CmdWorkers, Arg: -1},
		{Kind: CmdWorkerFilter},
		{Kind: CmdRecord},
		{Kind: CmdExport},
		{Kind: CmdToggleGate, Env: "HAKMEM_SS_MEM_LEAN"},
		{Kind: CmdWorkers, Arg: 1},
	}
	if got := src.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("commands:\n got %+v\nwant %+v", got, want)
	}
}

func TestReplayKeysSendCommands(t *testing.T) {
	src := newFakeSource()
	m := drive(t, New(src, Options{Replay: true, Tick: -1}), tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(t, m, keys("space", "right", "left", "4", "r", "g", "w", "+", "t", "e", "v")...)
	want := []Command{
		{Kind: CmdTogglePause},
		{Kind: CmdSeek, Arg: 1},
		{Kind: CmdSeek, Arg: -1},
		{Kind: CmdSpeed, Arg: 4},
	}
	if got := src.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("replay sent %+v, want %+v (live-only keys must do nothing)", got, want)
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []tea.KeyPressMsg{{Code: 'q', Text: "q"}, {Code: 'c', Mod: tea.ModCtrl}} {
		m, _ := liveModel(t, 80, 24)
		_, cmd := m.Update(k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: command does not quit", k)
		}
	}
}

func TestFocusCyclesAndScrollsOnlyTheFocusedPanel(t *testing.T) {
	m, _ := liveModel(t, 120, 40)
	if m.focus != panelClasses {
		t.Fatalf("initial focus %d", m.focus)
	}
	m = drive(t, m, keys("down", "down")...).(Model)
	if got := m.classes.cursor; got != 2 {
		t.Errorf("classes cursor %d after two downs, want 2", got)
	}
	m = drive(t, m, keys("tab", "down")...).(Model)
	if m.focus != panelHotPaths || m.hotPaths.cursor != 1 || m.classes.cursor != 2 {
		t.Errorf("after tab+down: focus %d, hot paths cursor %d, classes cursor %d", m.focus, m.hotPaths.cursor, m.classes.cursor)
	}
	m = drive(t, m, keys("tab")...).(Model)
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}).(Model)
	if m.focus != panelHotPaths {
		t.Errorf("tab then shift+tab: focus %d, want hot paths", m.focus)
	}
	m = drive(t, m, keys("tab", "tab")...).(Model)
	if m.focus != panelClasses {
		t.Errorf("focus does not wrap around: %d", m.focus)
	}
}

func TestSortCyclesColumnsAndKeepsTheSelectedClass(t *testing.T) {
	m, _ := liveModel(t, 120, 40)
	m = drive(t, m, keys("down", "down", "down")...).(Model) // C3
	m = drive(t, m, keys("s", "s")...).(Model)               // size, then alloc/s
	if m.classes.sort != SortAlloc {
		t.Fatalf("sort %v after two s, want alloc", m.classes.sort)
	}
	rows := m.classes.table.Rows()
	if got := strings.TrimSpace(ansi.Strip(rows[0][0])); got != "C7" {
		t.Errorf("busiest first: row 0 is %s, want C7", got)
	}
	if got := strings.TrimSpace(ansi.Strip(m.classes.table.SelectedRow()[0])); got != "C3" {
		t.Errorf("cursor moved to %s, want it to stay on C3", got)
	}
	if !strings.Contains(plain(m), "alloc/s▼") {
		t.Error("the sorted column has no ▼")
	}
	for range numSortColumns - 2 {
		m = drive(t, m, keys("s")...).(Model)
	}
	if m.classes.sort != SortClass {
		t.Errorf("s does not wrap around to class: %v", m.classes.sort)
	}
}

func TestSortFlag(t *testing.T) {
	col, err := ParseSortColumn("Remote")
	if err != nil || col != SortRemote {
		t.Fatalf("ParseSortColumn(Remote) = %v, %v", col, err)
	}
	m := New(newFakeSource(), Options{Sort: col, Tick: -1})
	if m.classes.sort != SortRemote {
		t.Errorf("initial sort %v", m.classes.sort)
	}
	_, err = ParseSortColumn("speed")
	if err == nil || err.Error() != `--sort "speed": want one of class, size, alloc, fast, refill, fallback, free, remote, live, bytes` {
		t.Errorf("bad --sort error: %v", err)
	}
}

func TestHelpToggles(t *testing.T) {
	m, _ := liveModel(t, 120, 40)
	if strings.Contains(plain(m), "focus back") {
		t.Fatal("full help shown before ?")
	}
	m = drive(t, m, keys("?")...).(Model)
	full := plain(m)
	for _, want := range []string{"focus back", "pgup", "export pprof", "add worker", "per-worker"} {
		if !strings.Contains(full, want) {
			t.Errorf("full help lacks %q", want)
		}
	}
	if n := len(splitLines(m.View().Content)); n > 40 {
		t.Errorf("full help overflows: %d lines", n)
	}
	m = drive(t, m, keys("?")...).(Model)
	if strings.Contains(plain(m), "focus back") {
		t.Error("second ? does not close the full help")
	}
}

func TestTooSmallFollowsResizes(t *testing.T) {
	m, _ := liveModel(t, 79, 30)
	if got := plain(m); !strings.Contains(got, "terminal too small: need 80x24") || strings.Contains(got, "C0") {
		t.Fatalf("79x30 screen:\n%s", got)
	}
	m = drive(t, m, tea.WindowSizeMsg{Width: 100, Height: 23}).(Model)
	if got := plain(m); !strings.Contains(got, "terminal too small: need 80x24") {
		t.Fatalf("100x23 screen:\n%s", got)
	}
	m = drive(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}).(Model)
	got := plain(m)
	if strings.Contains(got, "too small") || !strings.Contains(got, "C7") {
		t.Fatalf("80x24 screen:\n%s", got)
	}
	if n := len(splitLines(m.View().Content)); n != 24 {
		t.Errorf("80x24 screen has %d lines", n)
	}
}

func TestResultsShowInTheHeader(t *testing.T) {
	m, _ := liveModel(t, 120, 40)
	m = drive(t, m, resultMsg{text: "recording to haktop-session-1.jsonl"}).(Model)
	if !strings.Contains(plain(m), "recording to haktop-session-1.jsonl") {
		t.Error("result text not shown")
	}
	m = drive(t, m, resultMsg{err: errors.New("HAKMEM_SS_MAX is an int gate")}).(Model)
	if got := plain(m); !strings.Contains(got, "HAKMEM_SS_MAX is an int gate") || strings.Contains(got, "recording to") {
		t.Error("error result not shown in place of the last one")
	}
}

func TestTickPullsFramesAndStatus(t *testing.T) {
	m, src := liveModel(t, 120, 40)
	src.mu.Lock()
	src.frame.Seq++
	src.frame.Classes[3].Values[0] = 123456 // alloc/s
	src.frame.Status.Recording = "haktop-session-2.jsonl"
	src.frame.Status.Paused = true
	src.mu.Unlock()
	if strings.Contains(plain(m), "123.5k") {
		t.Fatal("frame shown before the tick")
	}
	m = drive(t, m, tickMsg{}).(Model)
	got := plain(m)
	for _, want := range []string{"123.5k", "● REC haktop-session-2.jsonl", "❚❚ PAUSED"} {
		if !strings.Contains(got, want) {
			t.Errorf("after tick the screen lacks %q", want)
		}
	}
}

func TestVerdictsAndBanner(t *testing.T) {
	m, _ := liveModel(t, 120, 40)
	got := plain(m)
	for _, want := range []string{"● ACTIVE", "○ OFF", "⚠ NEVER EXECUTED", "✖ INCONSISTENT",
		"⚠ 2 gated paths never executed: an A/B on them measures noise"} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
	s := NewStyles(true)
	content := m.View().Content
	for _, want := range []string{
		s.VerdictNeverExecuted.Render("⚠ NEVER EXECUTED"),
		s.VerdictInconsistent.Render("✖ INCONSISTENT"),
		s.VerdictActive.Render("● ACTIVE"),
	} {
		if !strings.Contains(content, want) {
			t.Errorf("verdict not in its colour: %q", want)
		}
	}
}

func TestIdleClassRowsAreDimmed(t *testing.T) {
	m, _ := liveModel(t, 120, 40)
	m = drive(t, m, keys("down")...).(Model) // the cursor on C1, a busy row
	s := NewStyles(true)
	for _, r := range m.classes.table.Rows() {
		class := strings.TrimSpace(ansi.Strip(r[0]))
		idle := class == "C0" || class[0] == 'P' || class == "L"
		if dimmed := r[0] == " "+s.Dim.Render(class); dimmed != idle {
			t.Errorf("%s: dimmed %v, idle %v", class, dimmed, idle)
		}
	}
	// On an idle row the cursor's row is plain, so the highlight spans it.
	m = drive(t, m, keys("up")...).(Model)
	for i, cell := range m.classes.table.SelectedRow() {
		if cell != ansi.Strip(cell) {
			t.Errorf("cursor row cell %d is styled: %q", i, cell)
		}
	}
	if r := m.classes.table.Rows()[1]; r[m.classes.sparkCol()] == ansi.Strip(r[m.classes.sparkCol()]) {
		t.Error("the row the cursor left kept its plain sparkline")
	}
}

// A panel with hidden rows says how far down it shows and which way the
// rest is: at 80x24 the gates panel shows 5 of its 8 gates.
func TestScrollPositionShown(t *testing.T) {
	m, _ := liveModel(t, 80, 24)
	lines := splitLines(plain(m))
	header := func(prefix string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("no line starting %q in:\n%s", prefix, plain(m))
		return ""
	}
	for prefix, want := range map[string]string{" class": "8/16 ↓", " path ": "4/19 ↓", " gate ": "5/8 ↓"} {
		if l := header(prefix); !strings.HasSuffix(l, " "+want) {
			t.Errorf("header %q does not end in %q", l, want)
		}
	}
	m = drive(t, m, keys("tab", "tab")...).(Model)
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyEnd}).(Model)
	lines = splitLines(plain(m))
	if l := header(" gate "); !strings.HasSuffix(l, " 8/8 ↑") {
		t.Errorf("after end: gates header %q, want it to end in 8/8 ↑", l)
	}
	if !strings.Contains(plain(m), "HAKMEM_POOL_V2_STATS") {
		t.Error("end did not scroll to the last gate")
	}
	m = drive(t, m, keys(repeat("up", 5)...)...).(Model)
	lines = splitLines(plain(m))
	if l := header(" gate "); !strings.HasSuffix(l, " 7/8 ↕") {
		t.Errorf("five up from the end: gates header %q, want 7/8 ↕", l)
	}
	if m.gates.cursor != 2 {
		t.Errorf("gates cursor %d, want 2", m.gates.cursor)
	}
}

// At 200x60 the panels use the room: no run of blank rows, a history wider
// than 40 columns, and path names whole; at 120x40 too.
func TestPanelsUseTheRoom(t *testing.T) {
	for _, size := range [][2]int{{200, 60}, {120, 40}} {
		m, _ := liveModel(t, size[0], size[1])
		got := plain(m)
		if !strings.Contains(got, "tiny refill fail/fallback") {
			t.Errorf("%dx%d: a path name is cut:\n%s", size[0], size[1], got)
		}
		lines := splitLines(got)
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		blank := 0
		for i, l := range lines {
			if i != 1 && strings.TrimSpace(l) == "" { // line 2 is the status line, empty with nothing to say
				blank++
			}
		}
		if blank > 0 {
			t.Errorf("%dx%d: %d blank rows:\n%s", size[0], size[1], blank, got)
		}
	}
	m, _ := liveModel(t, 200, 60)
	if w := m.classes.table.Columns()[m.classes.sparkCol()].Width; w <= 40 {
		t.Errorf("200x60: the history column is %d wide, want more than 40", w)
	}
	if !strings.Contains(plain(m), "ops/s history") {
		t.Error("200x60: no ops/s history chart in the spare rows")
	}
}

// TestSetupWarningsShowInTheHeader: the screen, which owns the terminal
// while it runs, shows the session's setup warnings (an ignored HAKMEM_*
// variable) that the CLI also wrote to stderr before it started.
func TestSetupWarningsShowInTheHeader(t *testing.T) {
	m, src := liveModel(t, 120, 40)
	src.mu.Lock()
	src.frame.Seq++
	src.frame.Status.Warnings = []string{"HAKMEM_POOL_V2_ENABLE ignored: did you mean HAKMEM_POOL_V2_ENABLED?"}
	src.mu.Unlock()
	m = drive(t, m, tickMsg{}).(Model)
	if got := plain(m); !strings.Contains(got, "⚠ HAKMEM_POOL_V2_ENABLE ignored: did you mean HAKMEM_POOL_V2_ENABLED?") {
		t.Errorf("warning not on the screen:\n%s", got)
	}
}

// Blocks and bytes in use per class, and their total beside RSS, so RSS
// against live bytes shows fragmentation at a glance.
func TestLiveBlocksAndBytes(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		m, src := liveModel(t, size[0], size[1])
		got := plain(m)
		f := src.Frame()
		header := strings.ReplaceAll(splitLines(got)[0], " · ", "  ") // 80 columns drop the dots
		if want := "RSS 34.0 MiB  live " + textfmt.Bytes(f.LiveBytes()); !strings.Contains(header, want) {
			t.Errorf("%dx%d: header lacks %q:\n%s", size[0], size[1], want, got)
		}
		c3 := f.Classes[3]
		var row string
		for _, l := range splitLines(got) {
			if strings.HasPrefix(l, " C3 ") {
				row = l
			}
		}
		if want := " 300 " + textfmt.Bytes(c3.LiveBytes) + " "; !strings.Contains(strings.Join(strings.Fields(row), " ")+" ", want) {
			t.Errorf("%dx%d: C3 row %q lacks live blocks and bytes %q", size[0], size[1], row, want)
		}
		for _, title := range []string{"live", "live bytes"} {
			if !strings.Contains(got, " "+title+" ") {
				t.Errorf("%dx%d: no %q column", size[0], size[1], title)
			}
		}
	}
}

// ctrl+l redraws the whole screen, as in every terminal program.
func TestRedrawKey(t *testing.T) {
	m, _ := liveModel(t, 80, 24)
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+l: no command")
	}
	if got, want := reflect.TypeOf(cmd()), reflect.TypeOf(tea.ClearScreen()); got != want {
		t.Errorf("ctrl+l sends %v, want %v (a full redraw)", got, want)
	}
}

// i hides the idle classes and paths (a path whose gate it never ran
// under stays: that is the warning), and i again shows them.
func TestHideIdle(t *testing.T) {
	m, _ := liveModel(t, 120, 40)
	m = drive(t, m, keys("i")...).(Model)
	got := plain(m)
	for _, idle := range []string{" C0 ", " P0 ", " L ", " superslab map ", " large unmap "} {
		if strings.Contains(got, idle) {
			t.Errorf("i: idle row %q still shown", idle)
		}
	}
	for _, busy := range []string{" C1 ", " C7 ", " tiny fast ", " workload ", " pool v2 alloc ", "idle rows hidden"} {
		if !strings.Contains(got, busy) {
			t.Errorf("i: %q not shown:\n%s", busy, got)
		}
	}
	if m.classes.total != 7 {
		t.Errorf("classes panel has %d rows with idle hidden, want 7", m.classes.total)
	}
	m = drive(t, m, keys("i")...).(Model)
	if got := plain(m); !strings.Contains(got, " C0 ") || !strings.Contains(got, " superslab map ") || strings.Contains(got, "idle rows hidden") {
		t.Errorf("second i does not show the idle rows again:\n%s", got)
	}
}

// / jumps to a gate as its name is typed; enter keeps it and focuses the
// gates panel, esc puts the cursor back, and a name no gate has says so.
func TestFindGate(t *testing.T) {
	m, _ := liveModel(t, 80, 24)
	m = drive(t, m, keys(append([]string{"/"}, strings.Split("pages", "")...)...)...).(Model)
	if got := plain(m); !strings.Contains(got, "find gate: pages") {
		t.Errorf("the find prompt is not on screen:\n%s", got)
	}
	if g, _ := m.gates.selected(); g.Env != "HAKMEM_POOL_V2_PAGES" {
		t.Errorf("typing pages selects %s", g.Env)
	}
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyEnter}).(Model)
	got := plain(m)
	if m.focus != panelGates || strings.Contains(got, "find gate:") || !strings.Contains(got, "HAKMEM_POOL_V2_PAGES") {
		t.Errorf("after enter: focus %d, screen:\n%s", m.focus, got)
	}

	m = drive(t, m, keys("/", "z", "z")...).(Model)
	if got := plain(m); !strings.Contains(got, `no gate matches "zz"`) {
		t.Errorf("no match not said:\n%s", got)
	}
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyEscape}).(Model)
	if g, _ := m.gates.selected(); g.Env != "HAKMEM_POOL_V2_PAGES" || strings.Contains(plain(m), "find gate:") {
		t.Errorf("esc: selected %s, prompt still shown: %v", g.Env, strings.Contains(plain(m), "find gate:"))
	}
}

// v sets the gate under the cursor to a typed value, checked by the
// source's parser as it is typed; a bad value shows the accepted forms and
// is not sent.
func TestSetGateValue(t *testing.T) {
	m, src := liveModel(t, 120, 40)
	m = drive(t, m, keys("tab", "tab", "down", "down", "down", "v")...).(Model) // HAKMEM_SS_MAX
	if got := plain(m); !strings.Contains(got, "set HAKMEM_SS_MAX = 0") {
		t.Fatalf("the value prompt is not on screen:\n%s", got)
	}
	m = drive(t, m, append([]tea.Msg{tea.KeyPressMsg{Code: tea.KeyBackspace}}, keys("x", "1")...)...).(Model)
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyEnter}).(Model)
	if got := plain(m); !strings.Contains(got, `HAKMEM_SS_MAX="x1" is not valid: want an integer from 0 to 1048576`) {
		t.Errorf("a bad value does not show the accepted forms:\n%s", got)
	}
	if n := len(src.sent()); n != 0 {
		t.Fatalf("a bad value was sent: %+v", src.sent())
	}
	m = drive(t, m, tea.KeyPressMsg{Code: tea.KeyBackspace}, tea.KeyPressMsg{Code: tea.KeyBackspace}).(Model)
	m = drive(t, m, append(keys("6", "4"), tea.KeyPressMsg{Code: tea.KeyEnter})...).(Model)
	want := []Command{{Kind: CmdSetGate, Env: "HAKMEM_SS_MAX", Value: "64"}}
	if got := src.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %+v, want %+v", got, want)
	}
	if got := plain(m); strings.Contains(got, "set HAKMEM_SS_MAX") {
		t.Errorf("the prompt stays after enter:\n%s", got)
	}
}

// File names on the status line are never cut: the directory shortens
// first, then the line wraps, and the screen still fits the terminal.
func TestStatusKeepsFileNamesWhole(t *testing.T) {
	const name = "haktop-session-20261201-183000.jsonl"
	long := "/home/someone/projects/allocator-experiments/runs/" + name
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		m, src := liveModel(t, size[0], size[1])
		src.mu.Lock()
		src.frame.Seq++
		src.frame.Status.Recording = long
		src.mu.Unlock()
		m = drive(t, m, tickMsg{}, resultMsg{text: "recording to " + long}).(Model)
		got := plain(m)
		if n := strings.Count(got, name); n != 2 {
			t.Errorf("%dx%d: the file name shows whole %d times, want 2 (REC and the message):\n%s", size[0], size[1], n, got)
		}
		lines := splitLines(m.View().Content)
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d wide", size[0], size[1], i+1, w)
			}
		}
		if !strings.Contains(got, " C0 ") || !strings.HasPrefix(splitLines(got)[len(lines)-1], "space pause") {
			t.Errorf("%dx%d: the panels or the footer lost their place:\n%s", size[0], size[1], got)
		}
	}
}

// A command's outcome shows for a few seconds, then the status line is
// free again.
func TestMessagesExpire(t *testing.T) {
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	src := newFakeSource()
	m := drive(t, New(src, Options{Tick: -1, Dark: true, Now: func() time.Time { return now }}), tea.WindowSizeMsg{Width: 120, Height: 40})
	m = drive(t, m, resultMsg{text: "wrote haktop-cpu-1.pb.gz"})
	now = now.Add(MessageTTL - time.Second)
	m = drive(t, m, tickMsg{})
	if !strings.Contains(plain(m), "wrote haktop-cpu-1.pb.gz") {
		t.Fatal("the message went before its time")
	}
	now = now.Add(2 * time.Second)
	m = drive(t, m, tickMsg{})
	if strings.Contains(plain(m), "wrote haktop-cpu-1.pb.gz") {
		t.Error("the message stays after MessageTTL")
	}
}

// The footer's space hint says what space does now.
func TestHintsFollowTheState(t *testing.T) {
	m, src := liveModel(t, 120, 40)
	footer := func(m tea.Model) string { l := splitLines(plain(m)); return l[len(l)-1] }
	if f := footer(m); !strings.HasPrefix(f, "space pause") {
		t.Errorf("running: footer %q", f)
	}
	m = drive(t, m, keys("space")...).(Model) // the fake source pauses
	if f := footer(m); !strings.HasPrefix(f, "space resume") {
		t.Errorf("paused: footer %q", f)
	}
	_, r := loadFixture(t)
	rm := drive(t, New(r, Options{Replay: true, Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: 120, Height: 40})
	if f := footer(rm); !strings.HasPrefix(f, "space pause") {
		t.Errorf("replay playing: footer %q", f)
	}
	rm = drive(t, rm, keys("space")...)
	if f := footer(rm); !strings.HasPrefix(f, "space play") {
		t.Errorf("replay paused: footer %q", f)
	}
	_ = src
}

// The live columns sort too: by bytes in use, the class holding the most
// memory comes first.
func TestSortByLiveBytes(t *testing.T) {
	col, err := ParseSortColumn("bytes")
	if err != nil {
		t.Fatal(err)
	}
	m := drive(t, New(newFakeSource(), Options{Sort: col, Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: 120, Height: 40})
	lines := splitLines(plain(m))
	if !strings.Contains(lines[2], "live bytes▼") || !strings.HasPrefix(lines[3], " C7 ") || !strings.HasPrefix(lines[4], " C6 ") {
		t.Errorf("sorted by live bytes:\n%s", strings.Join(lines[2:6], "\n"))
	}
	if col, err := ParseSortColumn("live"); err != nil || col != SortLive {
		t.Errorf("--sort live: %v, %v", col, err)
	}
}

// With nothing to warn about, the banner's row goes to the panels: no
// blank row above the footer.
func TestNoBlankBannerRow(t *testing.T) {
	src := newFakeSource()
	for i := range src.frame.Paths {
		src.frame.Paths[i].Verdict = ""
	}
	m := drive(t, New(src, Options{Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: 200, Height: 60})
	lines := splitLines(plain(m))
	if len(lines) != 60 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines[2:] {
		if strings.TrimSpace(l) == "" {
			t.Errorf("line %d is blank:\n%s", i+3, plain(m))
			break
		}
	}
}
