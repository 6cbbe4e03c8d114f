package tui

// tui renders the Frames of package live's Sources and sends them Commands.
// These aliases are tui's names for live's types and constants, so the
// panels read as before the session moved out; live owns every one of them.

import "github.com/haktop/haktop/live"

type (
	Source         = live.Source
	Command        = live.Command
	CommandKind    = live.CommandKind
	Frame          = live.Frame
	ClassRow       = live.ClassRow
	PathRow        = live.PathRow
	GateRow        = live.GateRow
	Status         = live.Status
	ReplayPosition = live.ReplayPosition
)

// The commands keys send; see live.CommandKind.
const (
	CmdTogglePause   = live.CmdTogglePause
	CmdCycleWorkload = live.CmdCycleWorkload
	CmdWorkers       = live.CmdWorkers
	CmdWorkerFilter  = live.CmdWorkerFilter
	CmdRecord        = live.CmdRecord
	CmdExport        = live.CmdExport
	CmdToggleGate    = live.CmdToggleGate
	CmdSetGate       = live.CmdSetGate
	CmdSeek          = live.CmdSeek
	CmdSpeed         = live.CmdSpeed
)

// HistoryLen is how many samples the sparklines show (live.HistoryLen).
const HistoryLen = live.HistoryLen
