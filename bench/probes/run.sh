#!/usr/bin/env bash
# Remote-probe footprint on the agent: one hub, and three agents side by side for the same
# time — the agent before remote probes existed (BASE, a commit), this agent without --probes,
# and this agent with --probes running CHECKS HTTP checks at 10 s against the hub's own /login.
# Prints binary sizes and each agent's RSS (VmRSS, VmHWM) after DURATION seconds.
#
#   bash bench/probes/run.sh
#   BASE=0b58e71 CHECKS=50 DURATION=120 bash bench/probes/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=${BASE:-0b58e71}
CHECKS=${CHECKS:-10}
DURATION=${DURATION:-90}
PORT=${PORT:-18555}
tmp=$(mktemp -d /tmp/vigil-probes.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  git worktree remove --force "$tmp/base" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
git worktree add -q "$tmp/base" "$BASE"
(cd "$tmp/base" && CGO_ENABLED=0 go build -o "$tmp/agent-base" ./cmd/vigil-agent)
CGO_ENABLED=0 go build -o "$tmp/agent-new" ./cmd/vigil-agent
CGO_ENABLED=0 go build -o "$tmp/vigil" ./cmd/vigil
url=http://127.0.0.1:$PORT
"$tmp/vigil" serve --data "$tmp/data" --listen 127.0.0.1:$PORT >"$tmp/hub.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fs "$url/login" >/dev/null 2>&1 && break; sleep 0.2; done
echo "correct horse battery" | "$tmp/vigil" admin create --email a@b.cd --data "$tmp/data" >/dev/null
tok=$("$tmp/vigil" token create --email a@b.cd --name bench --scope write --data "$tmp/data" | grep -o 'vgt_[A-Za-z0-9_-]*' | head -1)
host() { "$tmp/vigil" host add --name "$1" --public-url "$url" --data "$tmp/data" | grep -o 'vgh_[A-Za-z0-9_-]*' | head -1; }
t1=$(host base); t2=$(host off); t3=$(host on)
"$tmp/agent-base" --hub "$url" --token "$t1" --spool-dir - >"$tmp/a1.log" 2>&1 & a1=$!; pids+=($a1)
"$tmp/agent-new" --hub "$url" --token "$t2" --spool-dir - >"$tmp/a2.log" 2>&1 & a2=$!; pids+=($a2)
"$tmp/agent-new" --hub "$url" --token "$t3" --spool-dir - --probes >"$tmp/a3.log" 2>&1 & a3=$!; pids+=($a3)
for i in $(seq "$CHECKS"); do
  curl -fs -o /dev/null -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -d "{\"name\":\"c$i\",\"type\":\"http\",\"url\":\"$url/login\",\"interval_s\":10,\"locations\":{\"hosts\":[3]}}" "$url/api/v1/checks"
done
sleep "$DURATION"
rss() { awk '/^VmRSS|^VmHWM/{printf "%s %.2f MB  ", $1, $2/1024}' "/proc/$1/status"; }
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg), $CHECKS checks at 10 s, ${DURATION} s"
echo "binary: base $(stat -c %s "$tmp/agent-base") B, new $(stat -c %s "$tmp/agent-new") B"
echo "agent $BASE:            $(rss $a1)"
echo "agent, probes off:       $(rss $a2)"
echo "agent, --probes, $CHECKS checks: $(rss $a3)"
echo "results stored for check 1 at host:3: $(curl -fs -H "Authorization: Bearer $tok" "$url/api/v1/checks/1" | grep -o '"state":"[a-z]*"' | head -2 | tr '\n' ' ')"
