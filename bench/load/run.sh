#!/usr/bin/env bash
# Load test of the hub's ingest path: builds the hub and the generator, starts the hub on
# 127.0.0.1 with a temporary data directory, creates the hosts, and runs the generator for
# N=1,000 and N=10,000 agents at a 10 s interval, then (SEARCH=1) looks for the largest N the hub
# sustains by doubling from 2,000. Results are appended as Markdown to bench/results/load.md.
#
#   bash bench/load/run.sh
#   DURATION=120 SCENARIOS="1000 10000" SEARCH=0 bash bench/load/run.sh
#
# Environment: DURATION (s, measured window per scenario, default 60), SEARCH_DURATION (default
# 30), INTERVAL (default 10s), SCENARIOS (default "1000 10000"), SEARCH (1/0, default 1),
# SEARCH_FROM (default 2000), SETTLE (at most this many s after the ramp and warm-up, the window
# waits for every agent to be connected: agents the hub's admission control deferred get in
# meanwhile; default 120), RAMP (s over which the agents first dial; default N/500, at least
# 10), STORM_BUDGET (s from the first dial by which every agent must be connected, reported as
# its own figure beside the keep-up verdict; default 60), PORT (default 18080), OUT (default
# bench/results/load.md), VIGIL_BIN (a hub binary to test instead of building this tree's, for
# before/after comparisons with the same generator; PROTOCOL=2 for a hub older than protocol
# version 3), KEEP=1 keeps the temp directory, PROFILE=1 takes a CPU profile of the
# hub over the first PROFILE_SECONDS (default 30) of each scenario, the connection storm, and a
# heap profile at its end (through VIGIL_PPROF_LISTEN on PORT+1; files named in the output,
# `go tool pprof -top DIR/vigil DIR/cpu-1-10000.pprof`; use with KEEP=1).
# DATABASE=postgres://user:pass@host/db runs the hub on that PostgreSQL database (empty or from
# an earlier run of this script) instead of SQLite, and reports PostgreSQL's CPU too (its
# processes must run on this machine).
# The generator runs on the same machine as the hub and takes part of its cores; the load
# average before each scenario is recorded, since other work on the machine skews the figures.
# Ctrl-C or a kill of this script stops the hub and the generator it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmdline="bash bench/load/run.sh"
for v in DURATION SEARCH_DURATION INTERVAL SCENARIOS SEARCH SEARCH_FROM SETTLE RAMP STORM_BUDGET PORT; do
  if [ -n "${!v:-}" ]; then cmdline="$v=\"${!v}\" $cmdline"; fi
done
DATABASE=${DATABASE:-}
dbargs=()
if [ -n "$DATABASE" ]; then
  dbargs=(--database "$DATABASE")
  # Recorded without the password.
  cmdline="DATABASE=\"$(printf '%s' "$DATABASE" | sed -E 's#://([^:@/]*):[^@/]*@#://\1:…@#')\" $cmdline"
fi
DURATION=${DURATION:-60}
SEARCH_DURATION=${SEARCH_DURATION:-30}
INTERVAL=${INTERVAL:-10s}
SCENARIOS=${SCENARIOS-"1000 10000"} # SCENARIOS= (empty) runs none, e.g. with SEARCH=1
SEARCH=${SEARCH:-1}
SEARCH_FROM=${SEARCH_FROM:-2000}
SETTLE=${SETTLE:-120}
PORT=${PORT:-18080}
OUT=${OUT:-bench/results/load.md}
RAMP=${RAMP:-}
STORM_BUDGET=${STORM_BUDGET:-60}
PROFILE=${PROFILE:-0}
PROFILE_SECONDS=${PROFILE_SECONDS:-30}

# 10,000 agents need 10,000 sockets in the hub and as many in the generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fdlimit=$(ulimit -n)
# The largest N this machine can try: the hub needs one descriptor per agent plus its own files.
maxn=$(( fdlimit - 500 ))

tmp=$(mktemp -d /tmp/vigil-load.XXXXXX)
hub_pid=
load_pid=
# stop_pid PID: SIGINT (the hub shuts down cleanly), SIGKILL after 20 s.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -INT "$pid" 2>/dev/null || return 0
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  trap - EXIT INT TERM
  stop_pid "$load_pid"; load_pid=
  stop_pid "$hub_pid"; hub_pid=
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

if curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1; then
  echo "something already listens on 127.0.0.1:$PORT: set PORT" >&2
  exit 1
fi

echo "== building into $tmp"
if [ -n "${VIGIL_BIN:-}" ]; then
  # A given hub binary, e.g. an older commit's, to compare it with this generator.
  cp "$VIGIL_BIN" "$tmp/vigil"
else
  go build -o "$tmp/vigil" ./cmd/vigil
fi
go build -o "$tmp/load" ./bench/load

mkdir -p "$(dirname "$OUT")"
[ -s "$OUT" ] || printf '# Hub ingest load test\n\nProduced by `bench/load/run.sh` (generator: `go run ./bench/load`). Real measurements only; each run is appended.\n' >"$OUT"
{
  printf '\n## Run of %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'Command: `%s` (git %s%s)\n\n' "$cmdline" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" "${VIGIL_BIN:+; hub binary $VIGIL_BIN}"
  printf 'Machine: %s cores (`nproc`), %s memory, %s, kernel %s, %s. Open-file limit %s.\n\n' \
    "$(nproc)" "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" "$(uname -r)" "$(go version | cut -d' ' -f3)" "$fdlimit"
  if [ -n "$DATABASE" ]; then
    printf 'Setup: hub `vigil serve --database postgres://…` on 127.0.0.1 (PostgreSQL %s on this machine, database %s) restarted for every scenario (the database is kept across scenarios, so later scenarios start with stored data). ' \
      "$(psql "$DATABASE" -qtAc 'show server_version' 2>/dev/null || echo '?')" "$(printf '%s' "$DATABASE" | sed -E 's#^[^/]*//[^/]*/##; s#\?.*##')"
  else
    printf 'Setup: hub `vigil serve` on 127.0.0.1 with a fresh temporary data directory (SQLite, WAL) restarted for every scenario (the data directory is kept across scenarios, so later scenarios start with stored data). '
  fi
  printf 'The generator runs **on the same 2 cores** as the hub, so the hub had less than the whole machine; its own CPU is reported beside the hub'"'"'s. '
  printf 'Each simulated agent sends hello with 148 series (docs/metrics.md names: CPU total + 6 cores × 9 modes, load, memory, swap, 4 mounts, 2 disks, 2 NICs, 10 sensors, system) and one live snapshot per interval; phases are spread evenly over the interval. '
  printf 'Ack latency is from writing a batch frame to reading its ack (the hub acks after the series store has committed). Keep-up criterion: acks/s ≥ 95 %% of offered and ack p99 < 1 s over a window that starts one interval after the last agent connected (steady state). The connection storm (first dial until every agent is connected, with the hub deferring handshakes by 503 + Retry-After) is its own figure, with its own budget.\n'
} >>"$OUT"

start_hub() { # label
  local pprof=
  [ "$PROFILE" = 1 ] && pprof="127.0.0.1:$((PORT + 1))"
  VIGIL_PPROF_LISTEN=$pprof "$tmp/vigil" serve --data "$tmp/data" "${dbargs[@]}" --listen "127.0.0.1:$PORT" >"$tmp/hub-$1.log" 2>&1 &
  hub_pid=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/metrics" >/dev/null 2>&1 && return 0
    kill -0 "$hub_pid" 2>/dev/null || { echo "hub exited:"; tail -20 "$tmp/hub-$1.log"; return 1; }
    sleep 0.2
  done
  echo "hub did not come up"; return 1
}

stop_hub() {
  stop_pid "$hub_pid"
  hub_pid=
}

# hub_log_summary LABEL: counts of the hub's log lines by level and its most frequent warnings.
hub_log_summary() {
  local f="$tmp/hub-$1.log"
  {
    printf '\nHub log: %s lines; WARN %s, ERROR %s.' "$(wc -l <"$f")" "$(grep -c 'level=WARN' "$f" || true)" "$(grep -c 'level=ERROR' "$f" || true)"
    if grep -q 'level=\(WARN\|ERROR\)' "$f"; then
      printf ' Most frequent:\n\n```\n'
      grep 'level=\(WARN\|ERROR\)' "$f" | sed -E 's/^time=[^ ]+ //; s/ (host|host_id|remote|old_remote|new_remote)=[^ ]+//g' | sort | uniq -c | sort -rn | head -8
      printf '```\n'
    else
      printf '\n'
    fi
  } >>"$OUT"
}

# scenario N DURATION LABEL → exit status of the generator (0 keeps up, 3 falls behind)
scenario() {
  local n=$1 dur=$2 label=$3 ramp rc=0
  ramp=$(( n / 500 )); [ "$ramp" -ge 10 ] || ramp=10
  [ -n "$RAMP" ] && ramp=$RAMP
  scen_no=$(( ${scen_no:-0} + 1 ))
  echo "== $label: $n agents, ramp ${ramp}s, settle ${SETTLE}s, window ${dur}s"
  local loadavg
  loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
  start_hub "$n"
  "$tmp/load" --hub "http://127.0.0.1:$PORT" --hub-pid "$hub_pid" --tokens "$tmp/tokens.txt" --protocol "${PROTOCOL:-0}" "${dbargs[@]}" \
    --agents "$n" --interval "$INTERVAL" --ramp "${ramp}s" --settle "${SETTLE}s" --storm-budget "${STORM_BUDGET}s" --duration "${dur}s" \
    --md "$OUT" --label "$label" > >(tee "$tmp/load-$n.out") 2>&1 &
  # In the background: bash runs the INT/TERM trap only between foreground commands, but
  # interrupts `wait` at once. (A bare `wait` would also wait for the hub.)
  load_pid=$!
  local prof_pid=
  if [ "$PROFILE" = 1 ]; then
    # CPU profile of the hub from the start of the connection storm; heap profile at the end.
    curl -fs -o "$tmp/cpu-$scen_no-$n.pprof" "http://127.0.0.1:$((PORT + 1))/debug/pprof/profile?seconds=$PROFILE_SECONDS" &
    prof_pid=$!
  fi
  wait "$load_pid" || rc=$?
  load_pid=
  if [ -n "$prof_pid" ]; then
    wait "$prof_pid" || true
    curl -fs -o "$tmp/heap-$scen_no-$n.pprof" "http://127.0.0.1:$((PORT + 1))/debug/pprof/heap" || true
    echo "profiles: $tmp/cpu-$scen_no-$n.pprof $tmp/heap-$scen_no-$n.pprof (KEEP=1 keeps them)"
  fi
  stop_hub
  printf '\nGenerator command: `load --agents %s --interval %s --ramp %ss --settle %ss --storm-budget %ss --duration %ss --hub http://127.0.0.1:%s --hub-pid PID --tokens FILE`. Load average (1/5/15 min) before the scenario: %s; after: %s (%s cores; other work on the machine takes CPU from hub and generator).\n' \
    "$n" "$INTERVAL" "$ramp" "$SETTLE" "$STORM_BUDGET" "$dur" "$PORT" "$loadavg" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" >>"$OUT"
  hub_log_summary "$n"
  return $rc
}

# Hosts for the largest scenario, created once while the hub is stopped.
need=0
for n in $SCENARIOS; do [ "$n" -gt "$need" ] && need=$n; done
if [ "$SEARCH" = 1 ]; then need=$maxn; fi
"$tmp/load" --prepare-only --data "$tmp/data" "${dbargs[@]}" --tokens "$tmp/tokens.txt" --agents "$need"

for n in $SCENARIOS; do
  scenario "$n" "$DURATION" "N = $n agents at $INTERVAL" || true
done

if [ "$SEARCH" = 1 ]; then
  printf '\n### Largest N sustained (doubling from %s, window %ss each)\n' "$SEARCH_FROM" "$SEARCH_DURATION" >>"$OUT"
  good=0 bad=0 n=$SEARCH_FROM
  while :; do
    [ "$n" -gt "$maxn" ] && n=$maxn
    if scenario "$n" "$SEARCH_DURATION" "search: N = $n"; then good=$n; else bad=$n; break; fi
    [ "$n" -ge "$maxn" ] && break
    n=$(( n * 2 ))
  done
  if [ "$bad" -gt 0 ] && [ "$good" -gt 0 ] && [ $(( bad - good )) -gt $(( good / 4 )) ]; then
    mid=$(( (good + bad) / 2 ))
    if scenario "$mid" "$SEARCH_DURATION" "search: N = $mid"; then good=$mid; else bad=$mid; fi
  fi
  if [ "$bad" -eq 0 ]; then
    note="the hub kept up at every N tried, up to $good, which is the most this machine's open-file limit ($fdlimit, not raisable here) allows one hub process"
  else
    note="largest N sustained: $good; first N that fell behind: $bad"
  fi
  printf '\n**Search result: %s.**\n' "$note" >>"$OUT"
  echo "== $note"
fi
echo "== results appended to $OUT"
