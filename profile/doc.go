// Package profile turns CPU profiles and a target's counters into what haktop tells its user:
// where the CPU goes by the target's paths, which env-gated paths never run, a static env audit and pprof export.
package profile
