#!/usr/bin/env bash
# Measures vigil-agent against the DESIGN.md §8 agent budgets (RSS, CPU at a 1 s interval, wire
# bytes per snapshot) next to Debian's prometheus-node-exporter scraped every second, and writes
# a Markdown table to bench/results/agent.md.
#
# Usage: bash bench/agent/run.sh
#   DURATION=60   measurement window in seconds (CI-sized runs use 20)
#   WARMUP=15     seconds between the agent's first stored snapshot and the window; the agent
#                 drops its start-up pages 10 s after start (--memory-trim), so the window
#                 measures the steady state; start-up shows in the VmHWM row
#   OUT=bench/results/agent.md
#   GCTRACE=1     run the agent with GODEBUG=gctrace=1 and keep its log (for investigating RSS)
#   AGENT_GOGC=N  run the agent with GOGC=N (RSS against CPU trade-off experiments)
#   NO_TRIM=1     run the agent with --memory-trim=false (to see what trimming saves)
#   KEEP=1        keep the temporary directory (binaries, logs, data) after the run
#   REV=HEAD      build from this commit (git archive) instead of the working tree, e.g. while
#                 others are mid-edit; the results name the commit either way
#   PROFILE=1     afterwards, run the agent runtime for DURATION inside bench/agent/profile with
#                 the Go CPU profiler on and print the top functions (a second host, same hub)
#
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-60}
WARMUP=${WARMUP:-15}
OUT=${OUT:-bench/results/agent.md}
CMDLINE="DURATION=$DURATION bash bench/agent/run.sh"
[ "$WARMUP" != 15 ] && CMDLINE="WARMUP=$WARMUP $CMDLINE"
[ "${GCTRACE:-}" = 1 ] && CMDLINE="GCTRACE=1 $CMDLINE"
[ -n "${AGENT_GOGC:-}" ] && CMDLINE="AGENT_GOGC=$AGENT_GOGC $CMDLINE"
[ "${NO_TRIM:-}" = 1 ] && CMDLINE="NO_TRIM=1 $CMDLINE"
[ "${PROFILE:-}" = 1 ] && CMDLINE="PROFILE=1 $CMDLINE"
[ -n "${REV:-}" ] && CMDLINE="REV=$REV $CMDLINE"
NE_BIN=/usr/bin/prometheus-node-exporter
TCK=$(getconf CLK_TCK)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-agent.XXXXXX")
PIDS=()
cleanup() {
  local rc=$?
  set +e
  # Stop in reverse order of start: scraper, node_exporter, agent, hub. Only our own PIDs.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  if [ "$rc" != 0 ]; then
    echo "bench/agent: failed (exit $rc); last lines of the logs:" >&2
    for f in "$TMP"/hub.log "$TMP"/agent.log "$TMP"/ne.log; do
      [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  if [ "${KEEP:-}" = 1 ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench/agent: $*" >&2; exit 1; }
now_ns() { date +%s%N; }

# free_port prints a TCP port nobody listens on (loopback).
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Htln "sport = :$p" | grep -q .; then echo "$p"; return; fi
  done
  die "no free port found"
}

# wait_for CMD… retries a command every 0.2 s for at most 30 s.
wait_for() {
  local deadline=$((SECONDS + 30))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# cpu_ticks PID: utime+stime in clock ticks (all threads), from /proc/PID/stat fields 14 and 15.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# sched_ns PID: nanoseconds on CPU summed over the threads, from /proc/PID/task/*/schedstat
# (CFS runtime accounting, a cross-check on the tick-sampled utime+stime).
sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
# status_kb PID FIELD: a field of /proc/PID/status in kB.
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
# hub_counters: one scrape of the hub's /metrics into $TMP/metrics.txt. The window's counters
# are read from one scrape each, so that a frame arriving between two scrapes cannot be counted
# in one counter and not the other (a process frame of a few KB did that: 7–153 B/snapshot).
hub_counters() { curl -fsS --max-time 5 "http://127.0.0.1:$HUB_PORT/metrics" >"$TMP/metrics.txt"; }
# counter NAME: a counter from the last hub_counters scrape (0 when absent).
counter() { awk -v n="$1" '$1 == n {v = $2 + 0} END {printf "%.0f\n", v}' "$TMP/metrics.txt"; }
# hub_metric NAME: a counter from the hub's /metrics (0 when absent).
hub_metric() {
  curl -fsS --max-time 5 "http://127.0.0.1:$HUB_PORT/metrics" |
    awk -v n="$1" '$1 == n {v = $2 + 0} END {printf "%.0f\n", v}'
}
# agent_tcp FIELD: a counter (bytes_sent, bytes_received, segs_out) of the agent's socket to the
# hub, from ss -ti (agent side: destination port = hub port).
agent_tcp() {
  ss -Htin state established "( dport = :$HUB_PORT )" |
    grep -o "$1:[0-9]*" | head -n 1 | cut -d: -f2
}
fmt() { awk -v v="$1" -v d="${2:-2}" 'BEGIN {printf "%.*f", d, v}'; }
calc() { awk "BEGIN {printf \"%.6f\", $1}"; }
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a <= b)}'; }
verdict() { if le "$1" "$2"; then echo "met"; else echo "**NOT met**"; fi; }

# ---- 1. build ---------------------------------------------------------------------------------
SRC=$PWD
if [ -n "${REV:-}" ]; then
  SRC="$TMP/src"
  mkdir -p "$SRC"
  git archive "$REV" | tar -x -C "$SRC"
  rm -rf "$SRC/bench/agent" && cp -r bench/agent "$SRC/bench/agent"
  COMMIT="$(git rev-parse --short "$REV") (built from git archive)"
else
  COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  git diff --quiet HEAD -- cmd internal go.mod 2>/dev/null || COMMIT="$COMMIT plus uncommitted changes in the working tree"
fi
echo "== building vigil and vigil-agent (CGO_ENABLED=0) from $SRC"
(cd "$SRC" && CGO_ENABLED=0 go build -o "$TMP" ./cmd/vigil ./cmd/vigil-agent)
if [ "${PROFILE:-}" = 1 ]; then (cd "$SRC" && CGO_ENABLED=0 go build -o "$TMP/profile" ./bench/agent/profile); fi
AGENT_SIZE=$(stat -c %s "$TMP/vigil-agent")

# ---- node_exporter availability ---------------------------------------------------------------
NE=1
NE_WHY=""
n_ticks0=0 n_ticks1=0 n_ns0=0 n_ns1=0 n_rss=0 n_hwm=0 n_scrapes=0 n_gz=0 n_raw=0
if [ ! -x "$NE_BIN" ]; then
  if [ "$(id -u)" != 0 ]; then
    NE=0
    NE_WHY="not root: cannot apt-get install prometheus-node-exporter; comparison skipped"
  else
    echo "== installing prometheus-node-exporter"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends prometheus-node-exporter >"$TMP/apt.log" 2>&1; then
      apt-get update >>"$TMP/apt.log" 2>&1 || true
      apt-get install -y --no-install-recommends prometheus-node-exporter >>"$TMP/apt.log" 2>&1 ||
        { NE=0; NE_WHY="apt-get install prometheus-node-exporter failed; comparison skipped"; }
    fi
  fi
fi
[ "$NE" = 1 ] && [ ! -x "$NE_BIN" ] && { NE=0; NE_WHY="$NE_BIN missing after install; comparison skipped"; }
[ -n "$NE_WHY" ] && echo "!! $NE_WHY" >&2

# ---- 2. hub, owner, host ----------------------------------------------------------------------
HUB_PORT=$(free_port)
DATA="$TMP/data"
echo "== starting hub on 127.0.0.1:$HUB_PORT"
(exec "$TMP/vigil" serve --data "$DATA" --listen "127.0.0.1:$HUB_PORT" >"$TMP/hub.log" 2>&1) &
PIDS+=($!)
wait_for curl -fsS --max-time 2 "http://127.0.0.1:$HUB_PORT/healthz" || die "hub did not become healthy"

echo "bench-password-$RANDOM$RANDOM" | "$TMP/vigil" admin create --email bench@example.com --data "$DATA" >"$TMP/admin.log" 2>&1 ||
  die "vigil admin create failed: $(cat "$TMP/admin.log")"
"$TMP/vigil" host add --name bench --public-url "http://127.0.0.1:$HUB_PORT" --data "$DATA" >"$TMP/host.log" 2>&1 ||
  die "vigil host add failed: $(cat "$TMP/host.log")"
TOKEN=$(grep -o 'vgh_[A-Za-z0-9_-]*' "$TMP/host.log" | head -n 1)
[ -n "$TOKEN" ] || die "no vgh_ token in the output of vigil host add: $(cat "$TMP/host.log")"
(umask 077 && printf '%s\n' "$TOKEN" >"$TMP/token")

# ---- 3. agent ---------------------------------------------------------------------------------
echo "== starting vigil-agent --interval 1s"
mkdir -p "$TMP/spool"
AGENT_ENV=()
[ "${GCTRACE:-}" = 1 ] && AGENT_ENV=(GODEBUG=gctrace=1)
[ -n "${AGENT_GOGC:-}" ] && AGENT_ENV+=(GOGC="$AGENT_GOGC")
[ "${NO_TRIM:-}" = 1 ] && AGENT_ENV+=(VIGIL_MEMORY_TRIM=false)
# exec, so that $! is the agent itself and /proc/$! measures it.
(exec env "${AGENT_ENV[@]}" "$TMP/vigil-agent" --hub "http://127.0.0.1:$HUB_PORT" --token-file "$TMP/token" \
  --interval 1s --spool-dir "$TMP/spool" >"$TMP/agent.log" 2>&1) &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
hub_has_snapshots() { [ "$(hub_metric vigil_ingest_snapshots_total)" -gt 0 ]; }
wait_for hub_has_snapshots || die "the hub stored no snapshot from the agent within 30 s"

# ---- 4. node_exporter, scraped every second ---------------------------------------------------
if [ "$NE" = 1 ]; then
  NE_PORT=$(free_port)
  echo "== starting $NE_BIN on 127.0.0.1:$NE_PORT"
  (exec "$NE_BIN" --web.listen-address="127.0.0.1:$NE_PORT" >"$TMP/ne.log" 2>&1) &
  NE_PID=$!
  PIDS+=("$NE_PID")
  wait_for curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$NE_PORT/metrics" || die "node_exporter did not answer"
  # One line per scrape: gzipped body bytes as received, and the body's size once decoded.
  scrape_loop() {
    local next
    trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
    next=$(now_ns)
    while :; do
      curl -fsS --max-time 2 --compressed -o "$TMP/ne.body" -w '%{size_download}' \
        "http://127.0.0.1:$NE_PORT/metrics" >"$TMP/ne.one" 2>/dev/null &&
        echo "$(cat "$TMP/ne.one") $(stat -c %s "$TMP/ne.body")" >>"$TMP/ne.scrapes"
      next=$((next + 1000000000))
      local left=$((next - $(now_ns)))
      if [ "$left" -gt 0 ]; then
        sleep "$(awk -v n="$left" 'BEGIN {printf "%.3f", n / 1e9}')" &
        wait $!
      fi
    done
  }
  (scrape_loop) &
  PIDS+=($!)
fi

echo "== warm-up ${WARMUP}s"
sleep "$WARMUP"

# ---- measurement window -----------------------------------------------------------------------
PROCS=$(ls /proc | grep -c '^[0-9]')
echo "== measuring for ${DURATION}s ($PROCS processes on this machine)"
[ "$NE" = 1 ] && : >"$TMP/ne.scrapes"
t0=$(now_ns)
a_ticks0=$(cpu_ticks "$AGENT_PID"); a_ns0=$(sched_ns "$AGENT_PID")
[ "$NE" = 1 ] && { n_ticks0=$(cpu_ticks "$NE_PID"); n_ns0=$(sched_ns "$NE_PID"); }
hub_counters
fb0=$(counter vigil_ingest_frame_bytes_total)
xb0=$(counter vigil_ingest_extra_frame_bytes_total)
sn0=$(counter vigil_ingest_snapshots_total)
va0=$(counter vigil_ingest_values_total)
tx0=$(agent_tcp bytes_sent); rx0=$(agent_tcp bytes_received); sg0=$(agent_tcp segs_out)

# VmRSS once a second through the window (the agent trims its memory periodically, so the
# value at the end alone could flatter or wrong it).
(while kill -0 "$AGENT_PID" 2>/dev/null; do status_kb "$AGENT_PID" VmRSS; sleep 1; done >"$TMP/rss.samples") &
RSS_SAMPLER=$!
sleep "$DURATION"
kill "$RSS_SAMPLER" 2>/dev/null; wait "$RSS_SAMPLER" 2>/dev/null || true

t1=$(now_ns)
a_ticks1=$(cpu_ticks "$AGENT_PID"); a_ns1=$(sched_ns "$AGENT_PID")
[ "$NE" = 1 ] && { n_ticks1=$(cpu_ticks "$NE_PID"); n_ns1=$(sched_ns "$NE_PID"); }
hub_counters
fb1=$(counter vigil_ingest_frame_bytes_total)
xb1=$(counter vigil_ingest_extra_frame_bytes_total)
sn1=$(counter vigil_ingest_snapshots_total)
va1=$(counter vigil_ingest_values_total)
tx1=$(agent_tcp bytes_sent); rx1=$(agent_tcp bytes_received); sg1=$(agent_tcp segs_out)
a_rss=$(status_kb "$AGENT_PID" VmRSS); a_hwm=$(status_kb "$AGENT_PID" VmHWM)
a_anon=$(status_kb "$AGENT_PID" RssAnon); a_file=$(status_kb "$AGENT_PID" RssFile)
a_rss_max=$(sort -n "$TMP/rss.samples" | tail -n 1); a_rss_mean=$(awk '{s += $1} END {printf "%.0f", NR ? s / NR : 0}' "$TMP/rss.samples")
a_threads=$(awk '$1 == "Threads:" {print $2}' "/proc/$AGENT_PID/status")
PROCS_END=$(ls /proc | grep -c '^[0-9]')
if [ "$NE" = 1 ]; then
  n_rss=$(status_kb "$NE_PID" VmRSS); n_hwm=$(status_kb "$NE_PID" VmHWM)
  n_scrapes=$(wc -l <"$TMP/ne.scrapes")
  n_gz=$(awk '{s += $1} END {printf "%.0f", NR ? s / NR : 0}' "$TMP/ne.scrapes")
  n_raw=$(awk '{s += $2} END {printf "%.0f", NR ? s / NR : 0}' "$TMP/ne.scrapes")
fi
kill -0 "$AGENT_PID" 2>/dev/null || die "the agent exited during the measurement"

# ---- figures ----------------------------------------------------------------------------------
el=$(calc "($t1 - $t0) / 1e9")
a_cpu=$(calc "($a_ticks1 - $a_ticks0) / $TCK / $el * 100")
a_cpu_s=$(calc "($a_ns1 - $a_ns0) / 1e9 / $el * 100")
snaps=$((sn1 - sn0))
[ "$snaps" -gt 0 ] || die "no snapshots stored during the window"
# The snapshot budget is for snapshots; process, service and container reports (protocol
# version 2, their own frames) are counted apart and shown per second.
bps=$(calc "($fb1 - $fb0 - ($xb1 - $xb0)) / $snaps")
xps=$(calc "($xb1 - $xb0) / $el")
vps=$(calc "($va1 - $va0) / $snaps")
tcp_bps=""; ack_bps=""; seg_ps=""
if [ -n "$tx0" ] && [ -n "$tx1" ]; then
  tcp_bps=$(calc "($tx1 - $tx0) / $snaps")
  ack_bps=$(calc "($rx1 - $rx0) / $snaps")
  seg_ps=$(calc "($sg1 - $sg0) / $snaps")
fi
mb() { calc "$1 * 1024 / 1e6"; } # kB (KiB) from /proc → MB (10^6 bytes)

V_RSS=$(verdict "$(mb "$a_rss")" 8)
V_HWM=$(verdict "$(mb "$a_hwm")" 8)
V_CPU=$(verdict "$a_cpu" 0.25)
V_CPU_S=$(verdict "$a_cpu_s" 0.25)
V_WIRE=$(verdict "$bps" 250)

ne_col() { if [ "$NE" = 1 ]; then echo "$1"; else echo "—"; fi; }
ratio() { if [ "$NE" = 1 ] && le 0.000001 "$2"; then echo "$(fmt "$(calc "$1 / $2")" 2)×"; else echo "—"; fi; }

{
  echo "# vigil-agent against the DESIGN.md §8 budgets"
  echo
  echo "Agent at \`--interval 1s\`, on-disk spool, talking to a local hub over ws:// on loopback;"
  echo "measured over a ${DURATION} s window after a ${WARMUP} s warm-up."
  if [ "$NE" = 1 ]; then
    echo "Debian's \`prometheus-node-exporter\` ($("$NE_BIN" --version 2>&1 | head -n 1 | awk '{print $3}'), default collectors) ran at the"
    echo "same time and was scraped every second with \`curl --compressed\`."
  else
    echo "node_exporter comparison skipped: $NE_WHY."
  fi
  echo "MB = 10^6 bytes; CPU is % of one core."
  echo
  echo "| metric | measured | budget | node_exporter | ratio | verdict |"
  echo "|---|---|---|---|---|---|"
  echo "| RSS at end (VmRSS) | $(fmt "$(mb "$a_rss")") MB | ≤ 8 MB | $(ne_col "$(fmt "$(mb "${n_rss:-0}")") MB") | $(ratio "$a_rss" "${n_rss:-0}") | $V_RSS |"
  echo "| RSS through the window (VmRSS every second: max / mean) | $(fmt "$(mb "$a_rss_max")") / $(fmt "$(mb "$a_rss_mean")") MB | ≤ 8 MB | — | — | $(verdict "$(mb "$a_rss_max")" 8) |"
  echo "| peak RSS (VmHWM, since start: includes start-up before the first trim) | $(fmt "$(mb "$a_hwm")") MB | ≤ 8 MB | $(ne_col "$(fmt "$(mb "${n_hwm:-0}")") MB") | $(ratio "$a_hwm" "${n_hwm:-0}") | $V_HWM |"
  echo "| CPU at 1 s (utime+stime, /proc/PID/stat) | $(fmt "$a_cpu" 3) % | ≤ 0.25 % (~80 processes) | $(ne_col "$(fmt "$(calc "($n_ticks1 - $n_ticks0) / $TCK / $el * 100")" 3) % (scraped at 1 s)") | $(ratio "$a_cpu" "$(calc "(${n_ticks1:-0} - ${n_ticks0:-0}) / $TCK / $el * 100")") | $V_CPU |"
  echo "| CPU at 1 s (cross-check: /proc/PID/task/*/schedstat) | $(fmt "$a_cpu_s" 3) % | ≤ 0.25 % | $(ne_col "$(fmt "$(calc "(${n_ns1:-0} - ${n_ns0:-0}) / 1e9 / $el * 100")" 3) %") | $(ratio "$a_cpu_s" "$(calc "(${n_ns1:-0} - ${n_ns0:-0}) / 1e9 / $el * 100")") | $V_CPU_S |"
  echo "| wire bytes per snapshot (snapshot frames: \`vigil_ingest_frame_bytes_total\` − \`vigil_ingest_extra_frame_bytes_total\`, / \`vigil_ingest_snapshots_total\`) | $(fmt "$bps" 1) B | ≤ 250 B | $(ne_col "$n_gz B gzipped per scrape ($n_raw B plain)") | $(ratio "$bps" "${n_gz:-0}") | $V_WIRE |"
  echo "| process, service and container frames (\`vigil_ingest_extra_frame_bytes_total\`; top processes every 10 s) | $(fmt "$xps" 1) B/s | — | — | — | info |"
  if [ -n "$tcp_bps" ]; then
    echo "| TCP payload sent per snapshot (frames + WebSocket headers, \`ss -ti\` bytes_sent) | $(fmt "$tcp_bps" 1) B in $(fmt "$seg_ps" 2) TCP segments (incl. pure ACKs) | — | — | — | info |"
    echo "| TCP payload received per snapshot (hub acks) | $(fmt "$ack_bps" 1) B | — | — | — | info |"
  fi
  echo "| values per snapshot (\`vigil_ingest_values_total\`) | $(fmt "$vps" 1) | ~150 | — | — | info |"
  echo "| snapshots stored in the window | $snaps in $(fmt "$el" 1) s | — | $(ne_col "$n_scrapes scrapes") | — | info |"
  echo "| agent binary size (CGO_ENABLED=0, not stripped) | $(fmt "$(calc "$AGENT_SIZE / 1e6")") MB | — | $(ne_col "$(fmt "$(calc "$(stat -c %s "$NE_BIN") / 1e6")") MB (Debian package)") | $(ratio "$AGENT_SIZE" "$( [ "$NE" = 1 ] && stat -c %s "$NE_BIN" || echo 0)") | info |"
  echo "| agent RSS breakdown at end | RssAnon $(fmt "$(mb "$a_anon")") MB, RssFile $(fmt "$(mb "$a_file")") MB, $a_threads threads | — | — | — | info |"
  echo "| processes on this machine | $PROCS at start, $PROCS_END at end | ~80 | — | — | info |"
  echo
  echo "Command: \`$CMDLINE\` — $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), kernel $(uname -r),"
  echo "$(go version | awk '{print $3, $4}'), commit $COMMIT."
} >"$TMP/table.md"

if [ "${GCTRACE:-}" = 1 ]; then
  echo "gctrace lines of the agent ($TMP/agent.log):" >&2
  grep '^gc ' "$TMP/agent.log" | tail -n 5 >&2 || true
fi

if [ "${PROFILE:-}" = 1 ]; then
  echo "== profiling the agent runtime in-process for ${DURATION}s (bench/agent/profile)"
  "$TMP/vigil" host add --name bench-profile --public-url "http://127.0.0.1:$HUB_PORT" --data "$DATA" >"$TMP/host2.log" 2>&1
  grep -o 'vgh_[A-Za-z0-9_-]*' "$TMP/host2.log" | head -n 1 >"$TMP/token2"
  mkdir -p "$TMP/prof" "$TMP/spool2"
  (exec "$TMP/profile" --hub "http://127.0.0.1:$HUB_PORT" --token-file "$TMP/token2" --spool-dir "$TMP/spool2" \
    --interval 1s --warmup "${WARMUP}s" --duration "${DURATION}s" --out "$TMP/prof" 2>"$TMP/profile.log") &
  PIDS+=($!)
  wait "${PIDS[-1]}" || die "profile run failed: $(tail -n 5 "$TMP/profile.log")"
  go tool pprof -top -nodecount=30 "$TMP/profile" "$TMP/prof/cpu.pprof" 2>/dev/null || true
  echo "-- cumulative, agent packages:"
  go tool pprof -top -cum -nodecount=40 -focus='vigil' "$TMP/profile" "$TMP/prof/cpu.pprof" 2>/dev/null | tail -n +6 || true
fi

mkdir -p "$(dirname "$OUT")"
# Keep a hand-written "## Notes" section of an earlier result file below the fresh table.
notes=""
[ -f "$OUT" ] && notes=$(sed -n '/^## Notes/,$p' "$OUT")
{ cat "$TMP/table.md"; [ -n "$notes" ] && { echo; echo "$notes"; }; } >"$OUT.new"
mv "$OUT.new" "$OUT"
echo
cat "$TMP/table.md"
echo
echo "written to $OUT"
