#!/usr/bin/env bash
# End-to-end test of the screen as a person sees it (issue 14): builds
# haktop, runs it in a detached tmux (its own server socket) at 80x24,
# 120x40 and 200x60, sends keys and reads the screen with capture-pane.
# Checks, per size: the panels use the room (200x60: no blank rows, path
# names whole, the ops/s chart), scroll positions on panels with hidden
# rows (80x24: gates 5/8 ↓), live bytes beside RSS. Then each key: ctrl+l
# redraws over garbage, i hides idle rows, / finds a gate, v sets an int
# gate (a bad value shows the accepted forms), messages expire, the space
# hint follows the state, w leaves no stale history and does not carry
# larson's 2 workers, q names the files the session wrote; replay keeps a
# long file name whole, its hint follows play/pause, and without a
# terminal it points to report. Installs tmux if it is missing. Called by
# .ci/run; runs alone too.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=.ci/tmux-e2e.sh
source .ci/tmux-e2e.sh

# wait_gone REGEX [SECONDS]: poll the screen until no line matches.
wait_gone() {
  local deadline=$((SECONDS + ${2:-20}))
  while ((SECONDS < deadline)); do
    screen | grep -qE -- "$1" || return 0
    sleep 0.2
  done
  fail "a line still matches /$1/ after ${2:-20}s"
}
size() {
  t resize-window -t e2e -x "$1" -y "$2"
  sleep 0.5
}
keys() { t send-keys -t e2e "$@"; }
text() { t send-keys -t e2e -l "$1"; }
# start ARGS: run haktop ARGS at the prompt, from $tmp.
start() { keys "cd '$tmp' && ./haktop $*" Enter; }
quit() {
  keys q
  wait_for '^e2e\$ ?$' 15
}

t new-session -d -s e2e -x 120 -y 40 "env PS1='e2e\$ ' TERM=xterm-256color bash --norc --noprofile"
t set-option -t e2e window-size manual
size 120 40
wait_for '^e2e\$' 10
start --workload random_mixed --interval 100ms
wait_for '^ C7 ' 30
wait_for '^ runtime/GC |^ path .* [0-9]+/[0-9]+ ↓' 30 # the CPU profile's buckets are in

echo "-- 200x60: the panels use the room"
size 200 60
wait_for 'ops/s history: last'
screen | grep -q '^ tiny refill fail/fallback ' || fail "a path name is cut at 200x60"
blank=$(screen | tail -n +3 | grep -c '^ *$' || true)
((blank == 0)) || fail "$blank blank rows at 200x60"
screen | head -1 | grep -qE 'RSS [0-9.]+ [KMG]iB · live [0-9.]+ ([KMG]i)?B' || fail "no live bytes beside RSS"
screen | grep -qE '^ class.* live +live bytes ' || fail "no live and live bytes columns"

echo "-- 120x40: path names whole, hidden rows say so"
size 120 40
wait_for '^ tiny refill fail/fallback '
wait_for '^ path .* [0-9]+/[0-9]+ ↓'

echo "-- 80x24: scroll positions"
size 80 24
wait_for '^ gate .* 5/8 ↓$'
wait_for '^ class.* 8/16 ↓$'
wait_for '^ path .* [0-9]+/[0-9]+ ↓$'

echo "-- ctrl+l redraws over garbage on the terminal"
keys Space # paused, the view holds still: only a redraw clears the garbage
wait_for '❚❚ PAUSED'
tty=$(t display -p -t e2e '#{pane_tty}')
printf '\033[12;20HGARBAGE-ON-SCREEN' >"$tty"
wait_for 'GARBAGE-ON-SCREEN' 5
sleep 1.5
screen | grep -q 'GARBAGE-ON-SCREEN' || fail "the garbage went without ctrl+l: this check would prove nothing"
keys C-l
wait_gone 'GARBAGE-ON-SCREEN' 5
wait_for '^ C7 '
keys Space
wait_for 'resumed'

echo "-- i hides idle rows, i shows them again"
keys i
wait_for 'idle rows hidden'
wait_gone '^ (C0|P1|L) '
keys i
wait_for '^ C0 '
wait_gone 'idle rows hidden'

echo "-- / finds a gate"
keys /
text stats
wait_for '^find gate: stats'
keys Enter
wait_for '^ gate .* 8/8 ↑$'
wait_for '^ HAKMEM_POOL_V2_STATS '
keys /
text zz
wait_for 'no gate matches "zz"'
keys Escape
wait_gone '^find gate:'

echo "-- v sets an int gate to a typed value; a bad one shows the accepted forms"
keys /
text cache_cap
keys Enter
keys v
wait_for '^set HAKMEM_TINY_CACHE_CAP = 512'
keys BSpace BSpace BSpace
text 7
wait_for 'HAKMEM_TINY_CACHE_CAP="7" is not valid: want an'
keys Enter
wait_for 'not valid' 2 # enter does not send a bad value
keys BSpace
text 64
keys Enter
wait_for 'restarted: HAKMEM_TINY_CACHE_CAP 512 -> 64'
wait_for '^ HAKMEM_TINY_CACHE_CAP +64 +code '

echo "-- the message goes after a few seconds"
wait_gone 'restarted: HAKMEM_TINY_CACHE_CAP' 10

echo "-- the space hint follows the state"
wait_for '^space pause '
keys Space
wait_for '^space resume '
keys Space
wait_for '^space pause '

echo "-- w: the new workload's idle classes keep no old bars"
size 120 40
wait_for '^ C7 .*[▁▂▃▄▅▆▇█]' # random_mixed draws C7's history
keys w
wait_for 'restarted: workload random_mixed -> tiny_hot'
wait_for '^ haktop +tiny_hot '
sleep 1
screen | grep -E '^ C7 ' | grep -q '[▁▂▃▄▅▆▇█]' && fail "C7 keeps random_mixed's history under tiny_hot"

echo "-- r records; on q the shell shows every file the session wrote"
keys r
wait_for '● REC haktop-session-[0-9]{8}-[0-9]{6}\.jsonl'
sleep 4 # long enough that the replay below is still playing when it is read
quit
rec=$(cd "$tmp" && ls haktop-session-*.jsonl | head -1)
wait_for "^haktop: wrote $rec\$"

echo "-- w from larson does not carry its 2 workers"
start --workload larson --interval 100ms
wait_for '^ haktop +larson .* 2 workers '
keys w
wait_for '^ haktop +large .* 1 worker '
quit

echo "-- replay: a long file name whole, the hint follows play and pause"
long="$tmp/some/rather/long/directory/of/recorded/allocator/sessions"
mkdir -p "$long"
cp "$tmp/$rec" "$long/"
size 80 24
start replay "$long/$rec"
wait_for '▶ REPLAY' 5 # the recording is a few seconds long: still playing
wait_for "…/$rec"
wait_for '^space pause ' 2
keys Space
wait_for '^space play '
keys Space
wait_for '^space pause '
quit

echo "-- replay without a terminal points to report"
set +e
"$tmp/haktop" replay "$tmp/$rec" </dev/null >"$tmp/out" 2>"$tmp/err"
code=$?
set -e
((code == 2)) || { cat "$tmp/err"; fail "replay without a terminal: exit $code, want 2"; }
grep -q "haktop report $tmp/$rec" "$tmp/err" || { cat "$tmp/err"; fail "replay without a terminal does not point to report"; }

echo "tui e2e screen: ok"
