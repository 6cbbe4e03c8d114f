package tui

// promptModel: the one-line text input that takes the status line's place
// while it is open: `/` finds a gate by name as it is typed, `v` sets the
// gate under the cursor to a typed value, checked by the source's own
// parser on every key (live.GateChecker), so a bad value shows the accepted
// forms before it is sent. It is a bubbles textinput; the top model decides
// what enter and esc do.

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// promptKind says what an open prompt is for.
type promptKind int

const (
	promptNone    promptKind = iota
	promptFind               // /: Env is filled as the gates cursor moves
	promptSetGate            // v: a value for env
)

type promptModel struct {
	kind  promptKind
	env   string // the gate a value is for
	input textinput.Model
	err   string // why the text is not accepted, "" when it is
}

// open returns a prompt for kind, showing label before the text and
// starting with value; check, when not nil, validates the text.
func openPrompt(s *Styles, kind promptKind, label, value string, check func(string) error) promptModel {
	in := textinput.New()
	st := in.Styles()
	st.Cursor.Blink = false // a blinking cursor would need ticks of its own
	st.Focused.Prompt = s.HeaderKey
	st.Focused.Text = s.HeaderVal
	in.SetStyles(st)
	in.Prompt = label
	in.Validate = check
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	p := promptModel{kind: kind, input: in}
	p.checked()
	return p
}

func (p promptModel) open() bool { return p.kind != promptNone }

// update passes a key to the input. The input's commands (cursor blinks)
// are dropped: the cursor does not blink.
func (p promptModel) update(msg tea.KeyPressMsg) promptModel {
	p.input, _ = p.input.Update(msg)
	p.checked()
	return p
}

func (p *promptModel) checked() {
	p.err = ""
	if p.input.Err != nil {
		p.err = p.input.Err.Error()
	}
}

func (p promptModel) value() string { return p.input.Value() }
