// Package expose serves a running session to fleet tools over HTTP: /metrics
// for Prometheus and /debug/pprof/{profile,counters} for Parca or Grafana Alloy.
//
// It sits after live in the flow (target -> sampler -> profile -> live ->
// expose -> cmd): it only reads a session's latest live.Reading, its counter
// profile and its CPU profile collector, on each request, and changes
// nothing. metrics.go owns the metric names and labels, pprof.go the two
// profile endpoints, server.go the listen address rules and the HTTP
// server (GET and HEAD only).
package expose
