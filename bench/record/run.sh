#!/usr/bin/env bash
# Records this machine for 12 minutes at 1 s (720 snapshots, as many as a 2-hour block at 10 s)
# through three phases — idle, compiling, and a PostgreSQL pgbench run — then reports the codec's
# bytes per sample on it. Usage: bash bench/record/run.sh [OUT.csv]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-internal/series/testdata/recording.csv}
phase=${PHASE_SECONDS:-240}
go run ./bench/record --interval 1s --duration "$((3 * phase))s" --out "$out" &
rec=$!
echo "== idle for ${phase}s"; sleep "$phase"
echo "== compiling for ${phase}s"
end=$((SECONDS + phase))
while [ $SECONDS -lt $end ]; do go build -a -o /dev/null ./cmd/vigil >/dev/null 2>&1 || true; done
echo "== pgbench for ${phase}s"
if command -v pgbench >/dev/null && su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1; then
  su postgres -c "createdb vigil_bench 2>/dev/null; pgbench -q -i -s 20 vigil_bench >/dev/null 2>&1; pgbench -c 4 -j 2 -T $phase vigil_bench >/dev/null 2>&1" || true
else
  echo "pgbench or PostgreSQL not available; staying idle"; sleep "$phase"
fi
wait "$rec"
go run ./cmd/vigil bench codec --input "$out"
