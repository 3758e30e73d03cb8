#!/usr/bin/env bash
# Side by side in one run: govgate's RML engine and Morph-KGC 2.10.0 (a Python RML engine)
# on the same mapping and the same generated data (shared/bench/lift), with wall time,
# records per second, peak memory, and a check that both produce the same set of triples.
# usage: benches/lift_vs_morph_kgc.sh [N records, default 100000] [path/to/govgate]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
n=${1:-100000}
govgate=${2:-$CARGO_TARGET_DIR/release/govgate}
kit="$GOVGATE_SHARED/bench/lift"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$govgate" ] || { echo "no govgate binary at $govgate (cargo build --release)" >&2; exit 1; }

# Morph-KGC first: its script generates data_N.json and mapping_N.ttl in the work directory.
morph=$(cd "$work" && WORK_DIR="$work" bash "$kit/run-morph-kgc.sh" "$n")
morph_seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<< "$morph")

# govgate on the same data and mapping (the mapping names the data file by path).
sed "s#\"DATA_FILE\"#\"data_$n.json\"#" "$kit/mapping_rmlcore.ttl" > "$work/govgate_mapping.ttl"
/usr/bin/time -f "%e %M" -o "$work/time.txt" \
  "$govgate" lift "$work/govgate_mapping.ttl" --base https://example.org/ -o "$work/govgate_$n.nt"
read -r govgate_seconds govgate_kib < "$work/time.txt"

sort -u "$work/govgate_$n.nt" > "$work/a.nt"
sort -u "$work/morph_$n.nt" > "$work/b.nt"
if cmp -s "$work/a.nt" "$work/b.nt"; then same="identical"; else
  same="DIFFERENT ($(comm -23 "$work/a.nt" "$work/b.nt" | wc -l) only in govgate, $(comm -13 "$work/a.nt" "$work/b.nt" | wc -l) only in Morph-KGC)"
fi
python3 - "$n" "$govgate_seconds" "$govgate_kib" "$morph_seconds" "$(wc -l < "$work/a.nt")" "$same" <<'PY'
import sys
n, gs, gk, ms, triples, same = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"| engine | records | seconds | records/s | peak RSS |")
print(f"|---|--:|--:|--:|--:|")
print(f"| govgate lift | {n} | {gs:.2f} | {n/gs:,.0f} | {gk/1024:.0f} MiB |")
print(f"| Morph-KGC 2.10.0 | {n} | {ms:.2f} | {n/ms:,.0f} | |")
print(f"govgate is {ms/gs:.1f}x faster; {triples} distinct triples; outputs {same}")
PY
[ "$same" = "identical" ]
