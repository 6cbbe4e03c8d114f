package tui

// footerModel: the key help at the bottom, from bubbles/help over the
// screen's KeyMap; ? switches between the one-line and the full help. The
// help is drawn when the keys, the width or the mode change, not on every
// View: it cost as much as the rest of the screen.

import (
	"charm.land/bubbles/v2/help"
)

type footerModel struct {
	keys KeyMap
	help help.Model
	view string // the help as last drawn
}

func newFooterModel(s *Styles, k KeyMap) footerModel {
	h := help.New()
	h.Styles = s.Help
	m := footerModel{keys: k, help: h}
	m.draw()
	return m
}

func (m *footerModel) draw() { m.view = m.help.View(m.keys) }

func (m *footerModel) setWidth(w int) { m.help.SetWidth(w); m.draw() }

func (m *footerModel) toggleFull() { m.help.ShowAll = !m.help.ShowAll; m.draw() }

// setKeys gives the footer the screen's keys, whose hints follow its state.
func (m *footerModel) setKeys(k KeyMap) { m.keys = k; m.draw() }

func (m footerModel) View() string { return m.view }
