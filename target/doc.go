// Package target describes an observed allocator as data: its classes,
// counters (with roles), paths and gates (a Schema) and its counters at one moment (a Snapshot).
//
// Everything above the allocator (sampler, profile, live, tui, cmd/haktop)
// reads a target only through these two types, so an allocator haktop does
// not ship can be observed by describing it. The embedded allocator is one
// target (package target/embedded turns allocator's registries into a
// Schema); this package imports no allocator.
package target
