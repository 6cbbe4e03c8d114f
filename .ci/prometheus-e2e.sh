#!/usr/bin/env bash
# A real Prometheus scrapes `haktop serve`: installs Debian's prometheus
# (and jq) when missing, without starting its packaged service, runs
# HAKMEM_POOL_V2_ENABLED=1 haktop serve --workload tiny_hot and a Prometheus
# server on loopback with a 1s scrape interval, waits for scrapes, and asks
# Prometheus's HTTP API: rate() of a class tiny_hot uses is non-zero, of one
# it never uses zero, and pool v2's gate is NEVER EXECUTED. Also promtool
# check metrics and go tool pprof -top on both profile endpoints. Every
# process it starts is stopped on exit; all traffic is to 127.0.0.1.
# Usage: .ci/prometheus-e2e.sh HAKTOP_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
haktop=$1

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null || ! command -v jq >/dev/null; then
  # No service may start during the install: policy-rc.d denies it (and
  # without systemd there is none to start); it is removed afterwards.
  made_policy=
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus jq >/dev/null
  [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
fi
prometheus --version 2>&1 | head -1

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# haktop serve on a free loopback port, named on its stdout.
: >"$work/serve.out" # sed may look before the background job opens it
HAKMEM_POOL_V2_ENABLED=1 "$haktop" serve --workload tiny_hot --listen 127.0.0.1:0 --interval 100ms >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
addr=
for _ in $(seq 100); do
  addr=$(sed -n 's|.* on http://\(127\.0\.0\.1:[0-9]*\) .*|\1|p' "$work/serve.out")
  [[ -n $addr ]] && break
  sleep 0.1
done
[[ -n $addr ]] || { echo "haktop serve named no address"; cat "$work/serve.out" "$work/serve.err"; exit 1; }
echo "haktop serve on $addr"

curl -sf "http://$addr/metrics" >"$work/scrape.txt"
promtool check metrics <"$work/scrape.txt"
echo "scrape: $(wc -c <"$work/scrape.txt") bytes, $(grep -vc '^#' "$work/scrape.txt") series ($(grep -c '^haktop_' "$work/scrape.txt") haktop_*)"
go test -count=1 -run '^TestPromtoolCheckMetrics$' ./expose
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$addr/metrics")
[[ $code == 405 ]] || { echo "POST /metrics: $code, want 405"; exit 1; }

curl -sf "http://$addr/debug/pprof/counters" -o "$work/counters.pb.gz"
go tool pprof -top "$work/counters.pb.gz" | tee "$work/counters.top" | head -8
grep -q 'Type: alloc_calls' "$work/counters.top" && grep -q 'tiny_fast' "$work/counters.top" || { cat "$work/counters.top"; exit 1; }
curl -sf "http://$addr/debug/pprof/profile?seconds=2" -o "$work/cpu.pb.gz"
go tool pprof -top "$work/cpu.pb.gz" | tee "$work/cpu.top" | head -8
grep -q 'Type: cpu' "$work/cpu.top" && grep -q 'tinyHot' "$work/cpu.top" || { cat "$work/cpu.top"; exit 1; }

# A free loopback port for Prometheus: the first of these nobody answers on.
prom=
for port in $(seq 19090 19120); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then prom=127.0.0.1:$port; break; fi
done
[[ -n $prom ]] || { echo "no free port for Prometheus in 19090..19120"; exit 1; }
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: haktop
    static_configs:
      - targets: ["$addr"]
EOF
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="$prom" >"$work/prometheus.log" 2>&1 &
pids+=($!)

query() { curl -sf --get --data-urlencode "query=$1" "http://$prom/api/v1/query"; }

# Two scrapes at least: rate() needs two points in its range.
for i in $(seq 60); do
  n=$(query 'count_over_time(up{job="haktop"}[1m])' 2>/dev/null | jq -r '.data.result[0].value[1] // 0' || echo 0)
  [[ $n -ge 3 ]] && break
  [[ $i == 60 ]] && { echo "Prometheus made $n scrapes in 30 s"; tail -20 "$work/prometheus.log"; exit 1; }
  sleep 0.5
done
up=$(query 'up{job="haktop"}' | jq -r '.data.result[0].value[1]')
[[ $up == 1 ]] || { echo "up{job=haktop} = $up"; exit 1; }

# ask QUERY JQ-FILTER: prints the query and Prometheus's answer.
ask() { local a; a=$(query "$1" | jq -c "$2"); echo "  $1 => $a" >&2; echo "$a"; }
echo "PromQL answers:"
used=$(ask 'rate(haktop_alloc_calls_total{class="C3"}[10s])' '[.data.result[].value[1]]')
[[ $(jq -r 'length == 1 and (.[0] | tonumber) > 0' <<<"$used") == true ]] || { echo "C3 (tiny_hot's 64-byte class) has no allocation rate"; exit 1; }
unused=$(ask 'rate(haktop_alloc_calls_total{class="P3"}[10s])' '[.data.result[].value[1]]')
[[ $(jq -r 'length == 1 and (.[0] | tonumber) == 0' <<<"$unused") == true ]] || { echo "P3 (never used by tiny_hot) has an allocation rate"; exit 1; }
never=$(ask 'haktop_gate_info{verdict="NEVER EXECUTED"}' '[.data.result[].metric | "\(.env)=\(.value)"]')
jq -e 'index("HAKMEM_POOL_V2_ENABLED=1") != null' <<<"$never" >/dev/null || { echo "pool v2 is not NEVER EXECUTED under tiny_hot"; exit 1; }
others=$(ask 'sum(rate(haktop_alloc_calls_total{class!="C3"}[10s]))' '[.data.result[].value[1]]')
[[ $(jq -r 'length == 1 and (.[0] | tonumber) == 0' <<<"$others") == true ]] || { echo "a class other than C3 has an allocation rate under tiny_hot"; exit 1; }
ask 'haktop_target_info' '[.data.result[].metric | {target, workload, haktop_version}]' >/dev/null
ask 'count({job="haktop"})' '[.data.result[].value[1]]' >/dev/null

# The live view with --listen serves while its screen runs and writes
# nothing else to the terminal: scrape it, take a CPU profile from its
# collector, refuse a POST, and the screen is still the TUI's alone.
if ! command -v tmux >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
fi
live=
for port in $(seq 19121 19150); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then live=127.0.0.1:$port; break; fi
done
[[ -n $live ]] || { echo "no free port for the live view in 19121..19150"; exit 1; }
sock="haktop-prom-e2e-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null || true; cleanup' EXIT
t new-session -d -s live -x 120 -y 40 "env TERM=xterm-256color HAKMEM_POOL_V2_ENABLED=1 $haktop --workload tiny_hot --listen ${live#127.0.0.1} --interval 100ms; sleep 30"
for i in $(seq 100); do
  curl -sf "http://$live/metrics" >"$work/live.txt" 2>/dev/null && grep -q '^haktop_alloc_calls_total{class="C3"} [1-9]' "$work/live.txt" && break
  [[ $i == 100 ]] && { echo "the live view with --listen $live serves no C3 calls"; t capture-pane -p -t live; exit 1; }
  sleep 0.2
done
curl -sf "http://$live/debug/pprof/profile?seconds=1" -o "$work/live-cpu.pb.gz"
go tool pprof -top "$work/live-cpu.pb.gz" | grep -q 'Type: cpu'
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$live/debug/pprof/counters") == 405 ]]
sleep 0.5
t capture-pane -p -t live >"$work/live-screen.txt"
head -1 "$work/live-screen.txt" | grep -q '^ haktop  tiny_hot' || { echo "the live view's header is gone:"; cat "$work/live-screen.txt"; exit 1; }
if grep -qiE 'http|listen|error|panic' "$work/live-screen.txt"; then echo "the live view's screen shows server output:"; cat "$work/live-screen.txt"; exit 1; fi
t send-keys -t live q
echo "live view --listen $live: served /metrics and a CPU profile, nothing on its screen but the view"
