#!/usr/bin/env bash
# Uptime-check benchmark: 1,000 HTTP checks at a 30 s interval (keyword and JSON path
# conditions on) against a local HTTP server, run by a real hub; records the hub's CPU and RSS
# over the measured window. Results are appended as Markdown to bench/results/checks.md.
#
#   bash bench/checks/run.sh
#   CHECKS=2000 DURATION=300 bash bench/checks/run.sh
#
# Environment: CHECKS (default 1000), INTERVAL (s, default 30), DURATION (s, measured window,
# default 120), WARMUP (s before the window: every check has run once, default 45), PORT (hub,
# default 18290), TARGET_PORT (default 18291), OUT (default bench/results/checks.md), KEEP=1
# keeps the temporary directory. The target server runs on the same machine as the hub.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmdline="bash bench/checks/run.sh"
for v in CHECKS INTERVAL DURATION WARMUP PORT TARGET_PORT; do
  if [ -n "${!v:-}" ]; then cmdline="$v=\"${!v}\" $cmdline"; fi
done
CHECKS=${CHECKS:-1000}
INTERVAL=${INTERVAL:-30}
DURATION=${DURATION:-120}
WARMUP=${WARMUP:-45}
PORT=${PORT:-18290}
TARGET_PORT=${TARGET_PORT:-18291}
OUT=${OUT:-bench/results/checks.md}

tmp=$(mktemp -d /tmp/vigil-checks.XXXXXX)
hub_pid=
target_pid=
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
  stop_pid "$hub_pid"; hub_pid=
  stop_pid "$target_pid"; target_pid=
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

for p in "$PORT" "$TARGET_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "something already listens on 127.0.0.1:$p: set PORT or TARGET_PORT" >&2
    exit 1
  fi
done

echo "== building into $tmp"
go build -o "$tmp/vigil" ./cmd/vigil
go build -o "$tmp/target" ./bench/checks/target

"$tmp/target" --listen "127.0.0.1:$TARGET_PORT" &
target_pid=$!
"$tmp/vigil" serve --data "$tmp/data" --listen "127.0.0.1:$PORT" >"$tmp/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "the hub did not start:" >&2; cat "$tmp/hub.log" >&2; exit 1; }
curl -fs "http://127.0.0.1:$TARGET_PORT/count" >/dev/null || { echo "the target server did not start" >&2; exit 1; }

echo "bench password 1234567890" | "$tmp/vigil" admin create --email bench@example.com --data "$tmp/data" >/dev/null
token=$("$tmp/vigil" token create --email bench@example.com --name bench --scope write --data "$tmp/data" | grep -o 'vgt_[A-Za-z0-9_-]*' | head -1)

echo "== importing $CHECKS HTTP checks at ${INTERVAL}s"
{
  echo "checks:"
  for i in $(seq "$CHECKS"); do
    printf '  - name: target-%d\n    type: http\n    url: http://127.0.0.1:%s/item/%d\n    interval_s: %s\n    timeout_ms: 5000\n    keyword: ok\n    json_path: status\n    json_expect: ok\n' \
      "$i" "$TARGET_PORT" "$i" "$INTERVAL"
  done
} >"$tmp/checks.yaml"
curl -fsS -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/yaml" \
  --data-binary "@$tmp/checks.yaml" "http://127.0.0.1:$PORT/api/v1/checks/import"
echo

echo "== warming up ${WARMUP}s"
sleep "$WARMUP"

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$hub_pid/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$hub_pid/status"; }
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
c0=$(cpu); n0=$(curl -fs "http://127.0.0.1:$TARGET_PORT/count"); t0=$(date +%s.%N)
rss_max=0; rss_sum=0; rss_n=0
echo "== measuring ${DURATION}s"
end=$(( $(date +%s) + DURATION ))
while [ "$(date +%s)" -lt "$end" ]; do
  r=$(rss); rss_sum=$((rss_sum + r)); rss_n=$((rss_n + 1)); [ "$r" -gt "$rss_max" ] && rss_max=$r
  sleep 5
done
c1=$(cpu); n1=$(curl -fs "http://127.0.0.1:$TARGET_PORT/count"); t1=$(date +%s.%N)

# The checks list (what the UI polls) carries recent bars and 24 h uptime for every check.
list_s=$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/checks")
list2_s=$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/checks")
states=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/checks" |
  python3 -c 'import json,sys; c=json.load(sys.stdin)["checks"]; import collections; print(" ".join(f"{k}={v}" for k,v in sorted(collections.Counter(x["state"] for x in c).items())))')
secs=$(echo "$t1 - $t0" | bc -l)
cpu_pct=$(echo "100 * ($c1 - $c0) / $ticks / $secs" | bc -l)
probes=$((n1 - n0))
expected=$(echo "$CHECKS * $secs / $INTERVAL" | bc -l)
rss_mean=$((rss_sum / rss_n))

mkdir -p "$(dirname "$OUT")"
[ -s "$OUT" ] || printf '# Uptime-check benchmark\n\nProduced by `bench/checks/run.sh`. Real measurements only; each run is appended.\n' >"$OUT"
{
  printf '\n## Run of %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'Command: `%s` (git %s)\n\n' "$cmdline" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  printf 'Machine: %s cores, %s, kernel %s, %s. Load average before the window: %s (other work shares the machine).\n\n' \
    "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" "$(uname -r)" "$(go version | cut -d' ' -f3)" "$loadavg"
  printf 'Setup: hub `vigil serve` (SQLite, fresh data directory), %s HTTP checks every %s s imported as YAML, each with a keyword and a JSON-path condition, against one local Go HTTP server; %s s warm-up, then a %.0f s window.\n\n' "$CHECKS" "$INTERVAL" "$WARMUP" "$secs"
  printf '| what | figure |\n|---|---|\n'
  printf '| hub CPU (user+system, /proc) | **%.2f %%** of one core |\n' "$cpu_pct"
  printf '| hub RSS | **%.1f MB** mean, %.1f MB max |\n' "$(echo "$rss_mean / 1024" | bc -l)" "$(echo "$rss_max / 1024" | bc -l)"
  printf '| probes answered by the target in the window | %s (expected %.0f: %s checks × %.0f s / %s s) |\n' "$probes" "$expected" "$CHECKS" "$secs" "$INTERVAL"
  printf '| check states at the end | %s |\n' "$states"
  printf '| `GET /api/v1/checks` (all %s checks with recent bars and 24 h uptime) | %.0f ms first call, %.0f ms next (24 h uptime cached for a minute) |\n' "$CHECKS" "$(echo "$list_s * 1000" | bc -l)" "$(echo "$list2_s * 1000" | bc -l)"
} >>"$OUT"
tail -n 10 "$OUT"
