package tui

// Key bindings: every key the screen answers to, declared once with bubbles/key
// so the footer's help is generated from the same table the Update functions
// match against. Live-only and replay-only keys are disabled in the other
// mode, which also hides them from the help.

import "charm.land/bubbles/v2/key"

// KeyMap is the screen's key bindings. It implements help.KeyMap.
type KeyMap struct {
	NextPanel key.Binding
	PrevPanel key.Binding
	Up        key.Binding
	Down      key.Binding
	PageUp    key.Binding
	PageDown  key.Binding
	Top       key.Binding
	Bottom    key.Binding
	Sort      key.Binding
	HideIdle  key.Binding
	Find      key.Binding
	Redraw    key.Binding

	// The find and value prompts.
	Accept key.Binding
	Cancel key.Binding

	// Live session.
	Pause    key.Binding
	Workload key.Binding
	More     key.Binding
	Fewer    key.Binding
	Worker   key.Binding
	Record   key.Binding
	Export   key.Binding
	Gate     key.Binding
	SetGate  key.Binding

	// Replay.
	Play    key.Binding
	Back    key.Binding
	Forward key.Binding
	Speed   key.Binding

	Help key.Binding
	Quit key.Binding
}

// NewKeyMap returns the bindings for a live session, or for a replay when
// replay is true.
func NewKeyMap(replay bool) KeyMap {
	k := KeyMap{
		NextPanel: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "focus")),
		PrevPanel: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "focus back")),
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:       key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first row")),
		Bottom:    key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last row")),
		Sort:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		HideIdle:  key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "hide idle")),
		Find:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "find gate")),
		Redraw:    key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "redraw")),

		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "accept")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),

		Pause:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause")),
		Workload: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "workload")),
		More:     key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "add worker")),
		Fewer:    key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "drop worker")),
		Worker:   key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "per-worker")),
		Record:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "record")),
		Export:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export pprof")),
		Gate:     key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "toggle gate")),
		SetGate:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "set gate")),

		Play:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "play")),
		Back:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", "seek")),
		Forward: key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→", "seek forward")),
		Speed:   key.NewBinding(key.WithKeys("1", "2", "4", "8"), key.WithHelp("1/2/4/8", "speed")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
	live := []*key.Binding{&k.Pause, &k.Workload, &k.More, &k.Fewer, &k.Worker, &k.Record, &k.Export, &k.Gate, &k.SetGate}
	replayOnly := []*key.Binding{&k.Play, &k.Back, &k.Forward, &k.Speed}
	for _, b := range live {
		b.SetEnabled(!replay)
	}
	for _, b := range replayOnly {
		b.SetEnabled(replay)
	}
	return k
}

// ShortHelp returns the bindings the one-line footer shows.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Play, k.Back, k.Speed, k.Sort, k.Record, k.Gate, k.NextPanel, k.Quit, k.Help, k.SetGate, k.Find, k.HideIdle}
}

// FullHelp returns the bindings the full help shows, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.NextPanel, k.PrevPanel, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Sort, k.HideIdle, k.Pause, k.Play, k.Back, k.Speed, k.Worker},
		{k.Workload, k.More, k.Fewer, k.Record, k.Export, k.Gate, k.SetGate, k.Find},
		{k.Redraw, k.Help, k.Quit},
	}
}
