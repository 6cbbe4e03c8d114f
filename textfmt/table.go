package textfmt

// The table style every boxed CLI table uses (bench, report, diff, gates, ab):
// a normal box border, bold padded headers, text columns left-aligned and
// number columns right-aligned. Defined once so the tables cannot drift.
// (gates --audit's list of file:line reads is plain columns, tabwriter's.)

import (
	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"
)

var (
	headerStyle = lipgloss.NewStyle().Bold(true).Padding(0, 1)
	textStyle   = lipgloss.NewStyle().Padding(0, 1)
	numberStyle = textStyle.Align(lipgloss.Right)
)

// NewTable returns a table in haktop's style: the first textCols columns
// hold text (left-aligned), the rest numbers (right-aligned).
func NewTable(textCols int, headers ...string) *table.Table {
	return table.New().
		Border(lipgloss.NormalBorder()).
		Headers(headers...).
		StyleFunc(func(row, col int) lipgloss.Style {
			switch {
			case row == table.HeaderRow:
				return headerStyle
			case col < textCols:
				return textStyle
			}
			return numberStyle
		})
}
