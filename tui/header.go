package tui

// headerModel: the two lines at the top. Line one is the session (workload,
// workers, elapsed, ops/s with its sparkline, RSS, live bytes, GC); line two is the mode
// (● REC file, paused, replay position, worker filter) and the outcome of the
// last command. It renders from a Frame and the top model's status text; it
// has no keys of its own.

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/haktop/haktop/textfmt"
)

type headerModel struct {
	styles *Styles
	width  int
	frame  Frame
	line1  string // the session line, rendered when the frame or width changes

	message  string // outcome of the last command
	failed   bool   // the last command failed
	hideIdle bool   // i is on: the panels leave idle rows out
}

func newHeaderModel(s *Styles) headerModel { return headerModel{styles: s} }

// setFrame takes f's status at once and re-renders the session line only
// when f holds new data.
func (m *headerModel) setFrame(f Frame) {
	fresh := f.Seq != m.frame.Seq || m.line1 == ""
	m.frame = f
	if fresh {
		m.line1 = m.renderLine1()
	}
}

func (m *headerModel) setWidth(w int) {
	m.width = w
	m.line1 = m.renderLine1()
}

func (m *headerModel) setMessage(text string, failed bool) {
	m.message, m.failed = text, failed
}

func (m headerModel) height() int { return 2 }

// renderLine1 returns the session line; the ops/s sparkline gets the room
// the fields leave, up to 20 cells.
func (m headerModel) renderLine1() string {
	s, f := m.styles, m.frame
	field := func(k, v string) string { return s.HeaderKey.Render(k) + " " + s.HeaderVal.Render(v) }
	sep := s.HeaderKey.Render(" · ")
	workers := "workers"
	if f.Workers == 1 {
		workers = "worker"
	}
	name := f.Workload
	if f.Params != "" && m.width >= 120 {
		name += " " + f.Params
	}
	gc := fmt.Sprintf("%d", f.GCCount)
	if m.width >= 120 && f.GCPause > 0 {
		gc += fmt.Sprintf(" (%s)", f.GCPause.Round(time.Microsecond))
	}
	parts := []string{
		s.Title.Render("haktop") + " " + s.HeaderVal.Render(name),
		s.HeaderVal.Render(fmt.Sprintf("%d", f.Workers)) + " " + s.HeaderKey.Render(workers),
		s.HeaderVal.Render(textfmt.Clock(f.Elapsed)),
		s.HeaderVal.Render(textfmt.Rate(f.OpsPerSec)) + " " + s.HeaderKey.Render("ops/s"),
		field("RSS", textfmt.Bytes(f.RSS)),
		field("live", textfmt.Bytes(f.LiveBytes)),
		field("GC", gc),
	}
	// Too wide: GC goes first (RSS beside live bytes is the point), then
	// the separators narrow.
	if ansi.StringWidth(strings.Join(parts, sep)) > m.width {
		parts = parts[:len(parts)-1]
	}
	if ansi.StringWidth(strings.Join(parts, sep)) > m.width {
		sep = "  "
	}
	if room := min(m.width-ansi.StringWidth(strings.Join(parts, sep))-1, 20); room >= 3 {
		parts[3] += " " + drawSparkline(f.OpsHistory, room, s.Spark)
	}
	return ansi.Truncate(strings.Join(parts, sep), m.width, "…")
}

func (m headerModel) View() string {
	s, f := m.styles, m.frame
	field := func(k, v string) string { return s.HeaderKey.Render(k) + " " + s.HeaderVal.Render(v) }
	var badges []string
	st := f.Status
	if r := st.Replay; r != nil {
		state := "❚❚"
		if r.Playing {
			state = "▶"
		}
		badges = append(badges, s.Replay.Render(fmt.Sprintf("%s REPLAY %s/%s", state, textfmt.Clock(r.At), textfmt.Clock(r.Total)))+
			s.HeaderKey.Render(fmt.Sprintf(" sample %d/%d ×%d %s", r.Index+1, r.Count, r.Speed, r.File)))
		if r.Event != "" {
			badges = append(badges, s.HeaderKey.Render(r.Event))
		}
		if r.Warning != "" {
			badges = append(badges, s.StatusErr.Render(r.Warning))
		}
	}
	if st.Recording != "" {
		badges = append(badges, s.Rec.Render("● REC")+" "+s.HeaderVal.Render(st.Recording))
	}
	if st.Paused {
		badges = append(badges, s.Paused.Render("❚❚ PAUSED"))
	}
	if st.Worker >= 0 {
		badges = append(badges, field("showing", fmt.Sprintf("worker %d", st.Worker)))
	}
	if m.hideIdle {
		badges = append(badges, s.HeaderKey.Render("idle rows hidden (i shows them)"))
	}
	for _, w := range st.Warnings {
		badges = append(badges, s.StatusErr.Render("⚠ "+w))
	}
	if st.Note != "" {
		badges = append(badges, s.HeaderKey.Render(st.Note))
	}
	if m.message != "" {
		style := s.StatusOK
		if m.failed {
			style = s.StatusErr
		}
		badges = append(badges, style.Render(m.message))
	}
	line2 := strings.Join(badges, "  ")
	return m.line1 + "\n" + ansi.Truncate(line2, m.width, "…")
}
