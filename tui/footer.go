package tui

// footerModel: the key help at the bottom, from bubbles/help over the
// screen's KeyMap; ? switches between the one-line and the full help.

import (
	"charm.land/bubbles/v2/help"
)

type footerModel struct {
	keys KeyMap
	help help.Model
}

func newFooterModel(s *Styles, k KeyMap) footerModel {
	h := help.New()
	h.Styles = s.Help
	return footerModel{keys: k, help: h}
}

func (m *footerModel) setWidth(w int) { m.help.SetWidth(w) }

func (m *footerModel) toggleFull() { m.help.ShowAll = !m.help.ShowAll }

func (m footerModel) View() string { return m.help.View(m.keys) }
