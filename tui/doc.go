// Package tui is haktop's interactive screen: a Bubble Tea program that shows
// a live session or a recording (package live's Sources) as classes, hot paths and gates.
//
// # Structure
//
// Data flows one way. A Source (package live: the Engine or a Replay) turns
// sampler samples, profile attributions and gate verdicts into Frames; tui
// names live's types in live.go. The top Model (model.go) pulls a Frame on every tick, at most MaxFPS times
// a second, hands it to one model per panel (header.go, classes.go,
// hotpaths.go, gates.go, chart.go, footer.go; panel.go is what the tables
// share, their scrolling window included) and turns keys (keys.go, and the
// text prompt of prompt.go) into Commands that the Source carries out off
// the update loop. The models
// only render: every style is in styles.go, and nothing below this package
// is touched except through a Source.
//
// Panels render their tables when a Frame with new data arrives and cache
// the result, so View, which Bubble Tea calls after every message, only
// joins strings.
package tui
