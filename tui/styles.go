package tui

// Styles: every lipgloss style and colour the screen uses, in one place, so
// the look can change without touching a panel. Panels receive a *Styles
// from the top model and never build styles of their own.

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/table"
	"charm.land/lipgloss/v2"

	"github.com/haktop/haktop/profile"
)

// Styles holds the screen's styles.
type Styles struct {
	// Colours the bars and sparklines are drawn in.
	Accent  color.Color
	Good    color.Color
	Warn    color.Color
	Bad     color.Color
	Muted   color.Color
	BarFill color.Color
	BarRest color.Color

	App       lipgloss.Style // the whole screen
	Title     lipgloss.Style // "haktop" in the header
	HeaderKey lipgloss.Style // header field names
	HeaderVal lipgloss.Style // header field values
	Rec       lipgloss.Style // ● REC
	Paused    lipgloss.Style // ❚❚ PAUSED
	Replay    lipgloss.Style // ▶ REPLAY
	Spark     lipgloss.Style // header sparkline
	RowSpark  lipgloss.Style // class row sparklines

	Panel        lipgloss.Style // an unfocused panel's border
	PanelFocused lipgloss.Style // the focused panel's border
	PanelTitle   lipgloss.Style
	PanelTitleOn lipgloss.Style // title of the focused panel

	Table    table.Styles   // classes, hot paths and gates tables
	Position lipgloss.Style // a panel's scroll position, "5/8 ↓"
	Chart    lipgloss.Style // the ops/s history chart's bars
	Dim      lipgloss.Style

	VerdictActive        lipgloss.Style
	VerdictOff           lipgloss.Style
	VerdictNeverExecuted lipgloss.Style
	VerdictInconsistent  lipgloss.Style
	VerdictWarmingUp     lipgloss.Style
	VerdictNone          lipgloss.Style

	Banner      lipgloss.Style // "N gated paths never executed: ..."
	BannerError lipgloss.Style // inconsistent gates
	StatusOK    lipgloss.Style // outcome of the last command
	StatusErr   lipgloss.Style
	TooSmall    lipgloss.Style

	Help help.Styles
}

// NewStyles returns the styles for a dark or a light terminal background.
func NewStyles(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	s := &Styles{
		Accent:  ld(lipgloss.Color("#5A3FD9"), lipgloss.Color("#7D56F4")),
		Good:    ld(lipgloss.Color("#008F5A"), lipgloss.Color("#04B575")),
		Warn:    ld(lipgloss.Color("#B36B00"), lipgloss.Color("#F5A524")),
		Bad:     ld(lipgloss.Color("#D0104C"), lipgloss.Color("#FF4672")),
		Muted:   ld(lipgloss.Color("#A0A0A0"), lipgloss.Color("#626262")),
		BarFill: ld(lipgloss.Color("#5A3FD9"), lipgloss.Color("#7D56F4")),
		BarRest: ld(lipgloss.Color("#DADADA"), lipgloss.Color("#3C3C3C")),
	}
	text := ld(lipgloss.Color("#1A1A1A"), lipgloss.Color("#DDDDDD"))

	s.App = lipgloss.NewStyle()
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FFFDF5")).Background(s.Accent).Padding(0, 1)
	s.HeaderKey = lipgloss.NewStyle().Foreground(s.Muted)
	s.HeaderVal = lipgloss.NewStyle().Foreground(text).Bold(true)
	s.Rec = lipgloss.NewStyle().Foreground(s.Bad).Bold(true)
	s.Paused = lipgloss.NewStyle().Foreground(s.Warn).Bold(true)
	s.Replay = lipgloss.NewStyle().Foreground(s.Accent).Bold(true)
	s.Spark = lipgloss.NewStyle().Foreground(s.Good)
	s.RowSpark = lipgloss.NewStyle().Foreground(s.Accent)

	border := lipgloss.RoundedBorder()
	s.Panel = lipgloss.NewStyle().Border(border).BorderForeground(s.BarRest)
	s.PanelFocused = lipgloss.NewStyle().Border(border).BorderForeground(s.Accent)
	s.PanelTitle = lipgloss.NewStyle().Foreground(s.Muted).Bold(true)
	s.PanelTitleOn = lipgloss.NewStyle().Foreground(s.Accent).Bold(true)

	s.Table = table.Styles{
		Header:   lipgloss.NewStyle().Bold(true).Foreground(s.Muted),
		Cell:     lipgloss.NewStyle(),
		Selected: lipgloss.NewStyle().Bold(true).Background(ld(lipgloss.Color("#E4DEFC"), lipgloss.Color("#2A2250"))),
	}
	s.Dim = lipgloss.NewStyle().Foreground(s.Muted).Faint(true)
	s.Position = lipgloss.NewStyle().Foreground(s.Warn)
	s.Chart = lipgloss.NewStyle().Foreground(s.Good)

	s.VerdictActive = lipgloss.NewStyle().Foreground(s.Good).Bold(true)
	s.VerdictOff = lipgloss.NewStyle().Foreground(s.Muted)
	s.VerdictNeverExecuted = lipgloss.NewStyle().Foreground(s.Warn).Bold(true)
	s.VerdictInconsistent = lipgloss.NewStyle().Foreground(lipgloss.Color("#FFFDF5")).Background(s.Bad).Bold(true)
	s.VerdictWarmingUp = lipgloss.NewStyle().Foreground(s.Muted).Italic(true)
	s.VerdictNone = lipgloss.NewStyle().Foreground(s.Muted)

	s.Banner = lipgloss.NewStyle().Foreground(s.Warn).Bold(true)
	s.BannerError = lipgloss.NewStyle().Foreground(s.Bad).Bold(true)
	s.StatusOK = lipgloss.NewStyle().Foreground(s.Good)
	s.StatusErr = lipgloss.NewStyle().Foreground(s.Bad)
	s.TooSmall = lipgloss.NewStyle().Foreground(s.Warn).Bold(true)

	s.Help = help.DefaultStyles(dark)
	return s
}

// VerdictStyle returns the style a verdict is drawn in.
func (s *Styles) VerdictStyle(v profile.Verdict) lipgloss.Style {
	switch v {
	case profile.Active:
		return s.VerdictActive
	case profile.Off:
		return s.VerdictOff
	case profile.NeverExecuted:
		return s.VerdictNeverExecuted
	case profile.Inconsistent:
		return s.VerdictInconsistent
	case profile.WarmingUp:
		return s.VerdictWarmingUp
	}
	return s.VerdictNone
}

// VerdictSymbol returns the symbol drawn before a verdict, so it reads
// without colour too.
func VerdictSymbol(v profile.Verdict) string {
	switch v {
	case profile.Active:
		return "●"
	case profile.Off:
		return "○"
	case profile.NeverExecuted:
		return "⚠"
	case profile.Inconsistent:
		return "✖"
	case profile.WarmingUp:
		return "◌"
	case profile.Unknown:
		return "?"
	}
	return "·"
}
