#!/usr/bin/env bash
# End-to-end test of `haktop run -- CMD`: the C reference loop
# (../shared/bench/random_mixed.c, or the repository's identical copy
# target/shim/testdata/random_mixed.c on a clone without ../shared) under
# haktop run in a detached tmux at 120x40, on glibc and with --preload on
# jemalloc, tcmalloc and mimalloc. For each it reads the screen as a user
# would: the header with the command and its pid, class rows with non-zero
# rates, space pausing CMD (the kernel's T state, the clock stops) and
# resuming it, r recording (a file report reads back), q stopping CMD and
# haktop exiting with its status (143: SIGTERM); on glibc a short run that
# ends by itself shows "exit 0" and q then exits 0; closing the terminal
# (SIGHUP) stops CMD too, and a SIGKILLed haktop takes CMD with it. With
# HAKTOP_E2E_CAPTURES=DIR the four 120x40 screens are saved there
# (tmux capture-pane -p). Needs cc and the three libraries (.ci/run's shim
# step installs them). Called by .ci/run; runs alone too.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=.ci/tmux-e2e.sh
source .ci/tmux-e2e.sh

src=../shared/bench/random_mixed.c
[[ -f $src ]] || src=target/shim/testdata/random_mixed.c
cc -O2 -o "$tmp/random_mixed" "$src"
libdir=/usr/lib/x86_64-linux-gnu

# clock prints the header's elapsed time (mm:ss).
clock() { screen | head -1 | grep -oE '· [0-9]{2}:[0-9]{2} ·' | head -1; }
# pid prints CMD's pid from the header.
pid() { screen | head -1 | grep -oE 'pid [0-9]+' | grep -oE '[0-9]+'; }
# state prints the kernel's state letter of process $1.
state() { sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null; }

# A plain shell with a known prompt, so the exit status and the prompt
# coming back are checkable; the shim is built into $tmp's cache.
t new-session -d -s e2e -x 120 -y 40 "env PS1='e2e\$ ' TERM=xterm-256color XDG_CACHE_HOME='$tmp/cache' bash --norc --noprofile"
t set-option -t e2e window-size manual
t resize-window -t e2e -x 120 -y 40
wait_for '^e2e\$' 10

for name in glibc jemalloc tcmalloc mimalloc; do
  case $name in
  glibc) preload="" ;;
  jemalloc) preload="--preload $libdir/libjemalloc.so.2" ;;
  tcmalloc) preload="--preload $libdir/libtcmalloc_minimal.so.4" ;;
  mimalloc) preload="--preload $libdir/libmimalloc.so.2" ;;
  esac
  echo "-- $name: haktop run $preload -- random_mixed"
  mkdir -p "$tmp/$name"
  t send-keys -t e2e "clear; cd '$tmp/$name' && ../haktop run $preload --interval 100ms --output out.txt -- ../random_mixed 4000000000 8192 1234567; echo status=\$?" Enter
  wait_for '^ haktop  \.\./random_mixed 4000000000 8192 1234567 · pid [0-9]+ ' 60
  # a class row whose alloc/s (the third column) is not 0
  wait_for '^ [0-9A-Za-z]+ +[0-9]+K? +[0-9.]+[kM] ' 20
  p=$(pid)
  [[ -n $p && $(state "$p") != T ]] || fail "$name: no pid, or CMD stopped before space"

  echo "   space pauses CMD: SIGSTOP, the clock stops"
  t send-keys -t e2e Space
  wait_for '❚❚ PAUSED +paused \.\./random_mixed \(SIGSTOP\)'
  [[ $(state "$p") == T ]] || fail "$name: CMD (pid $p) is not stopped while paused"
  before=$(clock)
  sleep 1.5
  [[ -n $before && $(clock) == "$before" ]] || fail "$name: the clock moved while paused"
  t send-keys -t e2e Space
  wait_for 'resumed \.\./random_mixed \(SIGCONT\)'
  [[ $(state "$p") != T ]] || fail "$name: CMD still stopped after resuming"
  sleep 1.5
  [[ $(clock) != "$before" ]] || fail "$name: the clock stuck after resuming"

  echo "   r records; report reads the recording back"
  t send-keys -t e2e r
  wait_for '● REC haktop-session-[0-9-]+\.jsonl'
  sleep 1
  if [[ -n ${HAKTOP_E2E_CAPTURES:-} ]]; then
    mkdir -p "$HAKTOP_E2E_CAPTURES"
    screen >"$HAKTOP_E2E_CAPTURES/run-$name-120x40.txt"
  fi
  t send-keys -t e2e r
  wait_for 'stopped recording haktop-session-[0-9-]+\.jsonl'
  rec=$(ls "$tmp/$name"/haktop-session-*.jsonl)
  "$tmp/haktop" report "$rec" >"$tmp/$name/report.txt" || fail "$name: report of $rec failed: $(cat "$tmp/$name/report.txt")"
  grep -q 'random_mixed 4000000000 8192 1234567' "$tmp/$name/report.txt" || fail "$name: the report does not name the command"

  echo "   w says what it cannot do; the footer offers no gate keys"
  screen | tail -1 | grep -q 'g toggle gate' && fail "$name: the footer offers g for a command"
  t send-keys -t e2e w
  wait_for 'changing the workload \(w\) with a command haktop runs is not available here'

  echo "   q stops CMD (SIGTERM) and haktop exits with its status"
  t send-keys -t e2e q
  wait_for '^status=143$' 15
  screen | grep -q 'haktop: \.\./random_mixed (pid [0-9]*) killed by SIGTERM; its output is in out.txt' || fail "$name: no summary after q"
  [[ ! -e /proc/$p ]] || fail "$name: CMD (pid $p) outlived haktop"
done

echo "-- glibc: a run that ends by itself shows how it ended; q then exits 0"
t send-keys -t e2e "clear; ../haktop run --output short.txt -- ../random_mixed 2000000 8192 1; echo status=\$?" Enter
wait_for '^ haktop  \.\./random_mixed .* · exit 0$' 30
wait_for '\.\./random_mixed exited with status 0; q quits\.'
t send-keys -t e2e q
wait_for '^status=0$' 15
# the shell is in the last allocator's directory
grep -q '^ops_per_sec=[0-9]* allocs=[0-9]* frees=[0-9]* ' "$tmp/mimalloc/short.txt" || fail "CMD's output is not in --output"

# session_cmd starts haktop run on the endless loop in a new tmux session $1
# (its output to $1.txt) and prints CMD's pid once the header shows it.
session_cmd() {
  t new-session -d -s "$1" -x 120 -y 40 "cd '$tmp' && XDG_CACHE_HOME='$tmp/cache' exec ./haktop run --output $1.txt -- ./random_mixed 4000000000 8192 1"
  local deadline=$((SECONDS + 30))
  until t capture-pane -p -t "$1" | head -1 | grep -qE 'pid [0-9]+'; do
    ((SECONDS < deadline)) || fail "haktop run in the $1 session did not start"
    sleep 0.2
  done
  t capture-pane -p -t "$1" | head -1 | grep -oE 'pid [0-9]+' | grep -oE '[0-9]+'
}
# gone waits up to $2 s for process $1 to end (or be a zombie), else kills it
# and fails saying $3.
gone() {
  local deadline=$((SECONDS + $2))
  while [[ -e /proc/$1 ]] && [[ $(state "$1") != Z ]]; do
    ((SECONDS < deadline)) || { kill -KILL "$1"; fail "CMD (pid $1) still runs $2 s after $3"; }
    sleep 0.1
  done
}

echo "-- a closed terminal (SIGHUP) stops CMD as q does: no orphan left running"
p=$(session_cmd hup)
t kill-session -t hup
gone "$p" 10 "its terminal closed"

echo "-- a SIGKILLed haktop run takes CMD with it: the parent-death signal"
# (CMD runs: a stopped one would also get the kernel's SIGHUP to an orphaned group)
p=$(session_cmd kill)
kill -KILL "$(t display-message -p -t kill '#{pane_pid}')"
gone "$p" 5 "haktop run was SIGKILLed"
t kill-session -t kill 2>/dev/null || true

echo "tui run e2e: ok"
