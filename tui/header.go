package tui

// headerModel: the lines at the top. Line one is the session (workload,
// workers, elapsed, ops/s with its sparkline, RSS, live bytes, GC); then the
// status line: the mode (● REC file, paused, replay position, worker
// filter, idle rows hidden) and the outcome of the last command, which goes
// after MessageTTL, or the open prompt in their place. The status line
// never cuts a file name: it shortens directories, then wraps. It renders
// from a Frame and the top model's status text; it has no keys of its own.

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/haktop/haktop/textfmt"
)

type headerModel struct {
	styles *Styles
	width  int
	frame  Frame
	line1  string // the session line, rendered when the frame or width changes

	message   string    // outcome of the last command
	failed    bool      // the last command failed
	expires   time.Time // when message goes
	hideIdle  bool      // i is on: the panels leave idle rows out
	prompt    string    // the open prompt's input, rendered, in the status line's place
	promptErr string    // why the prompt's text is not accepted
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

// setMessage shows text on the status line until expires.
func (m *headerModel) setMessage(text string, failed bool, expires time.Time) {
	m.message, m.failed, m.expires = text, failed, expires
}

// expire clears the message once its time is up.
func (m *headerModel) expire(now time.Time) {
	if m.message != "" && !now.Before(m.expires) {
		m.message = ""
	}
}

// height returns the header's rows: the session line and the status
// line's one or more.
func (m headerModel) height() int { return 1 + len(m.statusLines()) }

// maxStatusLines is how many rows the status line may wrap to.
const maxStatusLines = 3

// renderLine1 returns the session line. When it is too wide, it gives up,
// in order, the GC pause, the workload's parameters, the GC count and the
// dots between fields; RSS beside live bytes stays. The ops/s sparkline
// gets the room left, up to 20 cells.
func (m headerModel) renderLine1() string {
	s, f := m.styles, m.frame
	field := func(k, v string) string { return s.HeaderKey.Render(k) + " " + s.HeaderVal.Render(v) }
	workers := textfmt.Noun(f.Workers, "worker")
	unit := f.OpsUnit
	if unit == "" {
		unit = "ops/s"
	}
	line := func(params, gc, pause bool, sep string) []string {
		if f.Process != nil {
			return m.processParts(params)
		}
		name := f.Workload
		if params && f.Params != "" {
			name += " " + f.Params
		}
		parts := []string{s.Title.Render("haktop") + " " + s.HeaderVal.Render(name)}
		if f.Target == "" || f.Workers > 0 { // a recorded command has no workers to count
			parts = append(parts, s.HeaderVal.Render(fmt.Sprintf("%d", f.Workers))+" "+s.HeaderKey.Render(workers))
		}
		parts = append(parts, s.HeaderVal.Render(textfmt.Clock(f.Elapsed)),
			s.HeaderVal.Render(textfmt.Rate(f.OpsPerSec))+" "+s.HeaderKey.Render(unit))
		// A target in another process, or one that counts no process
		// figures, shows no RSS of 0, no live bytes it does not count, and
		// no Go GC of its own.
		if f.Target == "" || f.RSS > 0 {
			parts = append(parts, field("RSS", textfmt.Bytes(f.RSS)))
		}
		if f.Live {
			parts = append(parts, field("live", textfmt.Bytes(f.LiveBytes())))
		}
		if gc && f.Target == "" {
			v := fmt.Sprintf("%d", f.GCCount)
			if pause && f.GCPause > 0 {
				v += fmt.Sprintf(" (%s)", f.GCPause.Round(time.Microsecond))
			}
			parts = append(parts, field("GC", v))
		}
		return parts
	}
	dots := s.HeaderKey.Render(" · ")
	sep := dots
	var parts []string
	for _, try := range []struct {
		params, gc, pause bool
		sep               string
	}{{true, true, true, dots}, {true, true, false, dots}, {false, true, false, dots}, {false, false, false, dots}, {false, false, false, "  "}} {
		parts, sep = line(try.params, try.gc, try.pause, try.sep), try.sep
		if cellWidth(strings.Join(parts, sep)) <= m.width {
			break
		}
	}
	measured := f.Process == nil || f.Process.Unmeasured == ""
	ops := 3 // the ops/s field: after the name, the workers (or pid) and the clock
	if f.Process == nil && f.Target != "" && f.Workers == 0 {
		ops = 2
	}
	if room := min(m.width-cellWidth(strings.Join(parts, sep))-1, 20); room >= 3 && measured {
		parts[ops] += " " + drawSparkline(f.OpsHistory, room, s.Spark)
	}
	out := strings.Join(parts, sep)
	if cellWidth(out) <= m.width {
		return out
	}
	return ansi.Truncate(out, m.width, "…")
}

// processParts returns the session line's fields for a program haktop
// runs (haktop run): the command (its arguments when args), its pid, the
// elapsed time, alloc/s (when its counters are measured), RSS, CPU, live
// bytes, and once it ended how it ended.
func (m headerModel) processParts(args bool) []string {
	s, f, p := m.styles, m.frame, m.frame.Process
	field := func(k, v string) string { return s.HeaderKey.Render(k) + " " + s.HeaderVal.Render(v) }
	name := p.Command
	if !args {
		name, _, _ = strings.Cut(name, " ")
	}
	cpu := textfmt.Duration(p.CPU)
	if !math.IsNaN(p.CPUPercent) {
		cpu += fmt.Sprintf(" %.0f%%", p.CPUPercent)
	}
	parts := []string{
		s.Title.Render("haktop") + " " + s.HeaderVal.Render(name),
		field("pid", fmt.Sprintf("%d", p.PID)),
		s.HeaderVal.Render(textfmt.Clock(f.Elapsed)),
	}
	if p.Unmeasured == "" {
		unit := f.OpsUnit
		if unit == "" {
			unit = "ops/s"
		}
		parts = append(parts, s.HeaderVal.Render(textfmt.Rate(f.OpsPerSec))+" "+s.HeaderKey.Render(unit))
	} else {
		parts = append(parts, s.StatusErr.Render("not measured"))
	}
	parts = append(parts, field("RSS", textfmt.Bytes(f.RSS)), field("CPU", cpu))
	if f.Live && p.Unmeasured == "" {
		parts = append(parts, field("live", textfmt.Bytes(f.LiveBytes())))
	}
	if p.Ended != "" {
		style := s.StatusOK
		if p.Failed {
			style = s.StatusErr
		}
		parts = append(parts, style.Render(p.Ended))
	}
	return parts
}

func (m headerModel) View() string {
	return m.line1 + "\n" + strings.Join(m.statusLines(), "\n")
}

// span is a run of status text in one style; badge is a status item of
// one or more spans. The status line is built from them, not from rendered
// strings, so it can wrap between words with every word in its own style.
type span struct {
	style lipgloss.Style
	text  string
	raw   bool // text is rendered already (the prompt's input): one word, no style
}

type badge []span

// render returns the badges on one line, two spaces apart.
func renderBadges(badges []badge) string {
	var b strings.Builder
	for i, bd := range badges {
		if i > 0 {
			b.WriteString("  ")
		}
		for _, sp := range bd {
			if sp.raw {
				b.WriteString(sp.text)
			} else {
				b.WriteString(sp.style.Render(sp.text))
			}
		}
	}
	return b.String()
}

// wrapBadges returns the badges on lines of at most width cells, broken at
// spaces only (a file name such as haktop-session-1.jsonl stays on one
// line); a word wider than a line is cut into line-wide pieces.
func wrapBadges(badges []badge, width int) []string {
	var lines []string
	var cur strings.Builder
	used := 0
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		used = 0
	}
	add := func(word string, style lipgloss.Style, raw bool, gap int) {
		w := ansi.StringWidth(word)
		if used > 0 && used+gap+w > width {
			flush()
			gap = 0
		}
		if used == 0 {
			gap = 0
		}
		cur.WriteString(strings.Repeat(" ", gap))
		for w > width && !raw { // longer than a line: cut it, the rest goes on
			cur.WriteString(style.Render(ansi.Truncate(word, width-used-gap, "")))
			word = ansi.TruncateLeft(word, width-used-gap, "")
			w = ansi.StringWidth(word)
			flush()
			gap = 0
		}
		if raw {
			cur.WriteString(word)
		} else {
			cur.WriteString(style.Render(word))
		}
		used += gap + w
	}
	for i, bd := range badges {
		gap := 2 // between badges
		if i == 0 {
			gap = 0
		}
		for _, sp := range bd {
			if sp.raw {
				add(sp.text, sp.style, true, gap)
				gap = 0
				continue
			}
			words := strings.Split(sp.text, " ")
			for j, word := range words {
				if j > 0 {
					gap = 1
				}
				if word == "" {
					continue
				}
				add(word, sp.style, false, gap)
				gap = 0
			}
			if strings.HasSuffix(sp.text, " ") {
				gap = 1
			}
		}
	}
	if used > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// statusLines returns the status line, fitted to the width without cutting
// a file name: as it is if it fits, else with every path's directory
// shortened to "…/" (the file name kept whole), else wrapped at spaces
// onto up to maxStatusLines rows.
func (m headerModel) statusLines() []string {
	badges := m.status(false)
	if line := renderBadges(badges); ansi.StringWidth(line) <= m.width || m.width <= 0 {
		return []string{line}
	}
	badges = m.status(true)
	if line := renderBadges(badges); ansi.StringWidth(line) <= m.width {
		return []string{line}
	}
	lines := wrapBadges(badges, m.width)
	if len(lines) > maxStatusLines {
		lines = lines[:maxStatusLines]
		lines[maxStatusLines-1] = ansi.Truncate(lines[maxStatusLines-1], m.width-1, "") + "…"
	}
	return lines
}

// shortPaths returns text with the directory of every word that holds a
// path separator shortened to "…/".
func shortPaths(text string) string {
	words := strings.Split(text, " ")
	for i, w := range words {
		if j := strings.LastIndexByte(w, '/'); j >= 0 && j < len(w)-1 && w != "…/"+w[j+1:] {
			words[i] = "…/" + w[j+1:]
		}
	}
	return strings.Join(words, " ")
}

// status returns the status line's badges, with paths shortened when
// short; while a prompt is open, the prompt and its error instead.
func (m headerModel) status(short bool) []badge {
	s, f := m.styles, m.frame
	if m.prompt != "" {
		out := []badge{{{text: m.prompt, raw: true}}}
		if m.promptErr != "" {
			out = append(out, badge{{style: s.StatusErr, text: m.promptErr}})
		}
		return out
	}
	path := func(p string) string {
		if short {
			return shortPaths(p)
		}
		return p
	}
	one := func(style lipgloss.Style, text string) badge { return badge{{style: style, text: text}} }
	var badges []badge
	st := f.Status
	if r := st.Replay; r != nil {
		state := "❚❚"
		if r.Playing {
			state = "▶"
		}
		badges = append(badges, badge{
			{style: s.Replay, text: fmt.Sprintf("%s REPLAY %s/%s", state, textfmt.Clock(r.At), textfmt.Clock(r.Total))},
			{style: s.HeaderKey, text: fmt.Sprintf(" sample %d/%d ×%d %s", r.Index+1, r.Count, r.Speed, path(r.File))},
		})
		if r.Event != "" {
			badges = append(badges, one(s.HeaderKey, r.Event))
		}
		if r.Warning != "" {
			badges = append(badges, one(s.StatusErr, r.Warning))
		}
	}
	if st.Recording != "" {
		badges = append(badges, badge{{style: s.Rec, text: "● REC"}, {style: s.HeaderVal, text: " " + path(st.Recording)}})
	}
	if st.Paused {
		badges = append(badges, one(s.Paused, "❚❚ PAUSED"))
	}
	if st.Worker >= 0 {
		badges = append(badges, badge{{style: s.HeaderKey, text: "showing "}, {style: s.HeaderVal, text: fmt.Sprintf("worker %d", st.Worker)}})
	}
	if m.hideIdle {
		badges = append(badges, one(s.HeaderKey, "idle rows hidden (i shows them)"))
	}
	for _, w := range st.Warnings {
		badges = append(badges, one(s.StatusErr, "⚠ "+w))
	}
	if st.Note != "" {
		badges = append(badges, one(s.HeaderKey, st.Note))
	}
	if m.message != "" {
		style := s.StatusOK
		if m.failed {
			style = s.StatusErr
		}
		badges = append(badges, one(style, path(m.message)))
	}
	return badges
}
