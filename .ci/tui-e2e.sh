#!/usr/bin/env bash
# End-to-end test of the interactive view: builds haktop, runs it in a
# detached tmux (its own server socket, 120x40), sends keys and reads the
# screen with capture-pane like a user would. Checks: class rows C0..C7,
# the gates panel with a verdict, space pausing (the clock stops) and
# resuming, a resize below 80x24 and back, q giving the shell prompt
# back, an undeclared HAKMEM_* shown on the screen and g cycling a mask. Installs tmux if it is missing. Called by .ci/run; runs alone too.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=.ci/tmux-e2e.sh
source .ci/tmux-e2e.sh

# clock prints the header's elapsed time (mm:ss).
clock() { screen | head -1 | grep -oE '[0-9]{2}:[0-9]{2}' | head -1; }

# A plain shell with a known prompt, so "q gives the prompt back" is checkable.
t new-session -d -s e2e -x 120 -y 40 "env PS1='e2e\$ ' TERM=xterm-256color bash --norc --noprofile"
t set-option -t e2e window-size manual
t resize-window -t e2e -x 120 -y 40
wait_for '^e2e\$' 10
t send-keys -t e2e "cd '$tmp' && ./haktop --workload random_mixed --interval 100ms" Enter

echo "-- class rows C0..C7"
wait_for '^ C7 ' 30
for c in C0 C1 C2 C3 C4 C5 C6 C7; do
  screen | grep -qE "^ $c +[0-9]+ " || fail "no class row $c"
done

echo "-- gates panel with a verdict"
wait_for 'HAKMEM_POOL_V2_ENABLED +0 +default +. (OFF|ACTIVE|NEVER EXECUTED)'
wait_for 'HAKMEM_TINY_CACHE_CAP +512 +default +● ACTIVE'

echo "-- space pauses: the clock stops"
wait_for '^ haktop .* 00:0[2-9] '
t send-keys -t e2e Space
wait_for '❚❚ PAUSED'
before=$(clock)
sleep 2.5
after=$(clock)
[[ -n $before && $before == "$after" ]] || fail "clock moved while paused: $before -> $after"

echo "-- space resumes: the clock runs again"
t send-keys -t e2e Space
wait_for 'resumed'
sleep 2.5
[[ $(clock) != "$before" ]] || fail "clock stuck at $before after resume"

echo "-- below 80x24 the screen says so, and it comes back"
t resize-window -t e2e -x 70 -y 20
wait_for 'terminal too small: need 80x24'
t resize-window -t e2e -x 120 -y 40
wait_for '^ C7 '

echo "-- q restores the shell prompt"
t send-keys -t e2e q
wait_for '^e2e\$ ?$' 15
screen | grep -q 'HAKMEM_TINY_CACHE_CAP' && fail "the TUI's screen is still showing after q"

echo "-- an undeclared HAKMEM_* is named on stderr before the screen and shown on it"
t send-keys -t e2e "clear; HAKMEM_POOL_V2_ENABLE=1 ./haktop --workload tiny_hot --interval 100ms" Enter
wait_for '⚠ HAKMEM_POOL_V2_ENABLE ignored: did you mean HAKMEM_POOL_V2_ENABLED\?' 30

echo "-- g steps a mask through each class and back to its default, source and all"
t send-keys -t e2e Tab Tab # classes -> paths -> gates
for _ in 1 2 3 4 5; do t send-keys -t e2e Down; done # HAKMEM_PROFILE .. HAKMEM_POOL_V2_CLASSES
t send-keys -t e2e g
wait_for 'HAKMEM_POOL_V2_CLASSES 0x7F -> 0x00'
wait_for 'HAKMEM_POOL_V2_CLASSES +0x00 +code '
t send-keys -t e2e g
wait_for 'HAKMEM_POOL_V2_CLASSES +0x01 +code '
for _ in 1 2 3 4 5 6 7; do t send-keys -t e2e g; sleep 0.3; done
wait_for 'HAKMEM_POOL_V2_CLASSES 0x40 -> 0x7F'
wait_for 'HAKMEM_POOL_V2_CLASSES +0x7F +default '

echo "-- after q the warning is still on the normal screen"
t send-keys -t e2e q
wait_for '^e2e\$ ?$' 15
screen | grep -q '^haktop: warning: HAKMEM_POOL_V2_ENABLE is not a gate the allocator reads' \
  || fail "the stderr warning is not on the normal screen after q"

echo "tui e2e: ok"
