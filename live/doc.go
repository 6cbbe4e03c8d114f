// Package live owns a haktop session's data side: the live Engine (allocator,
// workload, sampler, CPU profile collector, recorder) and the Replay of a recording.
//
// Both are Sources: they turn sampler samples, profile attributions and gate
// verdicts into Frames (frame.go, build.go) and carry out Commands
// (source.go). The screen in package tui only renders Frames and sends
// Commands; it never touches the allocator, workload or sampler itself.
package live
