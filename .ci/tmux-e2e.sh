# Sourced by the .ci/tui-e2e*.sh checks, not run: the tmux harness they
# share. It installs tmux if it is missing, builds haktop into $tmp (a
# directory removed on exit with the tmux server), and defines t (tmux on
# this script's own server socket), screen, fail and wait_for REGEX
# [SECONDS], which read the e2e session's pane like a user would.
# The caller has set -euo pipefail and cd'ed to the repository's root.

if ! command -v tmux >/dev/null; then
  echo "installing tmux"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq tmux >/dev/null
fi

tmp=$(mktemp -d)
sock="haktop-$(basename "$0" .sh)-$$"
t() { tmux -L "$sock" "$@"; }
cleanup() { t kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/haktop" ./cmd/haktop

screen() { t capture-pane -p -t e2e; }
fail() {
  echo "FAIL: $*"
  echo "---- screen ----"
  screen || true
  exit 1
}
# wait_for REGEX [SECONDS]: poll the screen until a line matches.
wait_for() {
  local deadline=$((SECONDS + ${2:-20}))
  while ((SECONDS < deadline)); do
    screen | grep -qE -- "$1" && return 0
    sleep 0.2
  done
  fail "no line matching /$1/ within ${2:-20}s"
}
