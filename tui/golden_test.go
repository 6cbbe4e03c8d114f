package tui

// Golden screens: the committed fixture recording replayed, and the live
// view over the fake source, at 80x24, 120x40 and 200x60, compared byte for byte (styles included) with teatest's golden
// helper; a second golden per screen holds the same screen as plain text,
// for people reading a diff. The model is driven directly, every command run
// to completion before the next key, and ticks are off, so nothing depends
// on the wall clock or on goroutine scheduling. Regenerate with
// `go test ./tui -run Golden -update`.

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/haktop/haktop/live"
)

// drive feeds msgs to m one at a time, running each command they return,
// and the commands those return, before the next message.
func drive(t *testing.T, m tea.Model, msgs ...tea.Msg) tea.Model {
	t.Helper()
	queue := append([]tea.Msg(nil), msgs...)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		queue = append(runCmd(cmd), queue...)
	}
	return m
}

// runCmd runs cmd and returns the messages it produces; batches are
// flattened in order and quitting ends the stream.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil, tea.QuitMsg:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runCmd(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// keys returns key presses for names as bubbletea spells them ("space",
// "right", "s").
func keys(names ...string) []tea.Msg {
	special := map[string]rune{"space": tea.KeySpace, "right": tea.KeyRight, "left": tea.KeyLeft, "tab": tea.KeyTab, "down": tea.KeyDown, "up": tea.KeyUp}
	out := make([]tea.Msg, len(names))
	for i, n := range names {
		if r, ok := special[n]; ok {
			out[i] = tea.KeyPressMsg{Code: r}
			continue
		}
		out[i] = tea.KeyPressMsg{Code: rune(n[0]), Text: n}
	}
	return out
}

func repeat(name string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = name
	}
	return out
}

// replayModel returns the screen over the fixture recording at w x h.
func replayModel(t *testing.T, w, h int) (tea.Model, *live.Replay) {
	t.Helper()
	_, r := loadFixture(t)
	m := New(r, Options{Replay: true, Tick: -1, Dark: true})
	return drive(t, m, tea.WindowSizeMsg{Width: w, Height: h}), r
}

// goldenSizes are the terminal sizes every golden screen is kept at.
var goldenSizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"120x40", 120, 40}, {"200x60", 200, 60}}

func TestGoldenReplay(t *testing.T) {
	for _, size := range goldenSizes {
		t.Run(size.name, func(t *testing.T) {
			m, _ := replayModel(t, size.w, size.h)
			// Pause playback, then step to sample 23 (2.2 s, past warm-up):
			// pool v2 is enabled for P1..P6 but random_mixed only reaches P0.
			m = drive(t, m, keys(append([]string{"space"}, repeat("right", 22)...)...)...)
			check(t, "pool_v2_never_executed", m, size.w, size.h)
			// Past the g toggle at 2.5 s: a new epoch with pool v2 off.
			m = drive(t, m, keys(repeat("right", 5)...)...)
			check(t, "after_gate_toggle", m, size.w, size.h)
			// Sorted by alloc/s, with the hot paths panel focused.
			m = drive(t, m, keys("s", "s", "tab")...)
			check(t, "sorted_by_alloc", m, size.w, size.h)
		})
	}
}

// The live view over the fake source (fake_test.go): its first screen, then
// the gates panel focused and scrolled to its last gate.
func TestGoldenLive(t *testing.T) {
	for _, size := range goldenSizes {
		t.Run(size.name, func(t *testing.T) {
			m, _ := liveModel(t, size.w, size.h)
			check(t, "first_screen", m, size.w, size.h)
			m = drive(t, m, append(keys("tab", "tab"), tea.KeyPressMsg{Code: tea.KeyEnd})...).(Model)
			check(t, "gates_scrolled", m, size.w, size.h)
		})
	}
}

// check compares m's screen with two goldens, styled and plain, and checks
// it fills exactly the terminal.
func check(t *testing.T, name string, m tea.Model, w, h int) {
	t.Helper()
	content := m.View().Content
	t.Run(name, func(t *testing.T) {
		teatest.RequireEqualOutput(t, []byte(content))
	})
	t.Run(name+"_plain", func(t *testing.T) {
		golden.RequireEqual(t, ansi.Strip(content))
	})
	if got := len(splitLines(content)); got > h {
		t.Errorf("%s: %d lines on a %d-line terminal", name, got, h)
	}
	for i, line := range splitLines(content) {
		if width := ansi.StringWidth(line); width > w {
			t.Errorf("%s: line %d is %d cells wide on a %d-cell terminal", name, i+1, width, w)
		}
	}
}

func splitLines(s string) []string { return strings.Split(s, "\n") }
