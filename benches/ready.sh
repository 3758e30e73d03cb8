#!/usr/bin/env bash
# Time from process start to `/readyz` 200, and resident memory once idle, for a release
# build: on a fresh data directory (first start: the release is loaded into the store) and
# on the same directory again (restart: digests match, nothing is written).
# usage: benches/ready.sh [RUNS, default 5] [path/to/govgate]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
runs=${1:-5}
govgate=${2:-$CARGO_TARGET_DIR/release/govgate}
[ -x "$govgate" ] || { echo "no govgate binary at $govgate (cargo build --release)" >&2; exit 1; }
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

one() {  # one DATA_DIR -> "milliseconds rss_kib"
  local start end
  start=$(date +%s%N)
  "$govgate" serve --bind "127.0.0.1:$port" --data-dir "$1" > "$work/log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.005
  done
  end=$(date +%s%N)
  sleep 2  # idle
  echo "$(( (end - start) / 1000000 )) $(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
  kill -TERM "$pid"; wait "$pid" || true; pid=
}

echo "| start | run | ms to /readyz 200 | idle RSS |"
echo "|---|--:|--:|--:|"
for i in $(seq "$runs"); do
  rm -rf "$work/data"
  one "$work/data" > "$work/out"; read -r ms kib < "$work/out"
  echo "| first (fresh data dir) | $i | $ms | $((kib / 1024)) MiB |"
  one "$work/data" > "$work/out"; read -r ms kib < "$work/out"
  echo "| restart (same data dir) | $i | $ms | $((kib / 1024)) MiB |"
done
