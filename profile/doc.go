// Package profile turns CPU profiles and allocator counters into what haktop tells its user:
// where the CPU goes by allocator path, which env-gated paths never run, a static env audit and pprof export.
package profile
