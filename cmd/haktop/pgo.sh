#!/usr/bin/env bash
# Refreshes cmd/haktop/default.pgo, the CPU profile the go command builds
# haktop with (-pgo=auto picks it up for go build, go run and go test of
# this package). The hot call sites it records, the workload loops calling
# Heap.Alloc and Heap.Free, get inlined: Go's ABI has no callee-saved
# registers, so an out-of-line call makes the loop spill and reload its state.
# The allocator's own benchmarks are profiled too, for
#   go test -pgo=cmd/haktop/default.pgo -bench . ./allocator
# Run it on an idle machine after changing a hot path:  bash cmd/haktop/pgo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -pgo=off -o "$tmp/haktop" ./cmd/haktop
for w in random_mixed tiny_hot mid_pool larson large; do
  "$tmp/haktop" record -o "$tmp/$w.jsonl" --workload "$w" --duration 3s --cpuprofile "$tmp/$w.prof" >/dev/null
done
go test -pgo=off -c -o "$tmp/allocator.test" ./allocator
"$tmp/allocator.test" -test.run '^$' -test.bench . -test.benchtime 1s -test.cpuprofile "$tmp/allocator.prof" >/dev/null
go tool pprof -proto "$tmp"/*.prof >cmd/haktop/default.pgo
echo "wrote cmd/haktop/default.pgo ($(wc -c <cmd/haktop/default.pgo) bytes)"
