#!/usr/bin/env bash
# Two agencies on one machine: a Chinese (cn-cac) and an EU (eu-aio) govgate gateway.
#
# The CN gateway sends a CN standard-contract filing to the EU gateway over mutual TLS;
# the EU gateway validates it, translates it into an EU SCC annex with a gap report and
# answers with a signed receipt; both sides keep a tamper-evident evidence log, and an
# evidence bundle of the message is exported and verified on its own.
#
# Usage: examples/two-agencies/run.sh [path/to/govgate]
#
# Environment:
#   CARGO_TARGET_DIR    where to look for (or build) govgate (default ~/.cache/govgate/target)
#   TWO_AGENCIES_PORTS  port range to pick the six ports from (default 9700-9799)
#   TWO_AGENCIES_WAIT   seconds to wait for readiness and for delivery (default 120)
#
# (Not GOVGATE_*: govgate reads every GOVGATE_* variable as configuration.)
# Needs bash, python3 and, without an argument or a built binary, cargo.
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
document=$repo/examples/cn-standard-contract-filing/ecommerce-customers-and-staff-to-germany.json
ports=${TWO_AGENCIES_PORTS:-9700-9799}
patience=${TWO_AGENCIES_WAIT:-120}

on_error() {
    local rc=$?
    echo "run.sh: FAILED (exit $rc) at line $1: ${2%%$'\n'*}" >&2
}
trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR

step() { printf '\n=== %s\n' "$*"; }
die() { echo "run.sh: $*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is needed (free ports, HTTP checks, JSON)"

# ---- 1. the binary --------------------------------------------------------------------
target=${CARGO_TARGET_DIR:-$HOME/.cache/govgate/target}
if [[ $# -ge 1 ]]; then
    bin=$1
    if [[ $bin != */* ]]; then
        bin=$(command -v "$bin") || die "no command \`$1\` on PATH"
    fi
    [[ -x $bin ]] || die "$bin is not an executable file"
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
elif [[ -x $target/release/govgate ]]; then
    bin=$target/release/govgate
elif [[ -x $target/debug/govgate ]]; then
    bin=$target/debug/govgate
else
    command -v cargo >/dev/null || die "no govgate in $target and no cargo to build it"
    echo "building govgate (cargo build --release in $repo) ..."
    (cd "$repo" && CARGO_TARGET_DIR=$target cargo build --release)
    bin=$target/release/govgate
fi
echo "govgate binary: $bin ($("$bin" --version))"

# ---- 2. ports, PKI, configurations ----------------------------------------------------
# Two base ports, each with two free successors (public, admin = +1, exchange = +2).
bases=$(python3 - "$ports" <<'PY'
import socket, sys
low, high = (int(p) for p in sys.argv[1].split("-"))
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
bases, port = [], low
while port + 2 <= high and len(bases) < 2:
    if all(free(p) for p in range(port, port + 3)):
        bases.append(port)
        port += 3
    else:
        port += 1
if len(bases) < 2:
    sys.exit(f"no two runs of 3 free ports in {low}-{high}")
print(*bases)
PY
) || die "cannot find the ports (TWO_AGENCIES_PORTS=$ports)"
read -r cn_port eu_port <<<"$bases"
eu_admin=$((eu_port + 1))

dir=$(mktemp -d "${TMPDIR:-/tmp}/govgate-two-agencies.XXXXXX")
cn=$dir/cn-cac/govgate.toml
eu=$dir/eu-aio/govgate.toml
echo "working directory: $dir"

step "1/7 local PKI and trust directory (cn-cac on $cn_port-$((cn_port + 2)), eu-aio on $eu_port-$((eu_port + 2)))"
"$bin" pki init --dir "$dir" --agency "cn-cac:CN:$cn_port" --agency "eu-aio:EU:$eu_port"

cat >>"$eu" <<'TOML'

[exchange.translate_to]
cn-standard-contract-filing = "eu-scc-annex"
TOML
echo "appended to $eu:"
tail -n 2 "$eu"

# ---- 3. the two gateways --------------------------------------------------------------
pids=()
cleanup() {
    local pid
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in ${pids[@]+"${pids[@]}"}; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
finish() {
    local rc=$?
    cleanup
    if ((rc != 0)) && [[ -n ${dir:-} ]]; then
        echo "run.sh: stopped; the files and logs of this run are in $dir" >&2
    fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The status code of a GET, 000 when nothing answers.
status() {
    python3 - "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
PY
}

step "2/7 start both gateways (logs in $dir/<agency>.log)"
for agency in cn-cac eu-aio; do
    GOVGATE_LOG__FILTER=warn "$bin" --config "$dir/$agency/govgate.toml" serve >"$dir/$agency.log" 2>&1 &
    pids+=("$!")
done
for agency in cn-cac eu-aio; do
    if [[ $agency == cn-cac ]]; then port=$cn_port pid=${pids[0]}; else port=$eu_port pid=${pids[1]}; fi
    started=$SECONDS
    until [[ $(status "http://127.0.0.1:$port/readyz") == 200 ]]; do
        if ! kill -0 "$pid" 2>/dev/null || ((SECONDS - started >= patience)); then
            echo "$agency is not ready on http://127.0.0.1:$port/readyz; its log:" >&2
            cat "$dir/$agency.log" >&2
            die "$agency did not start"
        fi
        sleep 0.5
    done
    echo "$agency ready on http://127.0.0.1:$port (pid $pid)"
done

# ---- 4. send ---------------------------------------------------------------------------
step "3/7 cn-cac sends ${document#"$repo"/} to eu-aio and waits for the receipt"
send=("$bin" --config "$cn" send --to eu-aio --wait "$document")
# `send --wait` waits for as long as the message is queued; bound it.
if command -v timeout >/dev/null; then send=(timeout "$patience" "${send[@]}"); fi
if ! sent=$("${send[@]}"); then
    echo "$sent"
    die "send failed; cn-cac outbox: $("$bin" --config "$cn" outbox 2>&1 || true)"
fi
echo "$sent"
id=$(sed -n 's/^delivered \([^ ]*\)$/\1/p' <<<"$sent")
[[ -n $id ]] || die "no message id in the output of send"

# ---- 5. both sides --------------------------------------------------------------------
step "4/7 cn-cac outbox, then eu-aio inbox"
echo "--- cn-cac outbox"
"$bin" --config "$cn" outbox

echo "--- eu-aio inbox"
"$bin" --config "$eu" inbox

step "5/7 the message as eu-aio stored it (GET http://127.0.0.1:$eu_admin/exchange/inbox/cn-cac/$id)"
PYTHONIOENCODING=utf-8 python3 - "http://127.0.0.1:$eu_admin/exchange/inbox/cn-cac/$id" "$dir" <<'PY'
import collections, json, re, sys, urllib.request
url, out = sys.argv[1], sys.argv[2]
with urllib.request.urlopen(url, timeout=30) as r:
    stored = json.load(r)
with open(f"{out}/eu-inbox-message.json", "w", encoding="utf-8") as f:
    json.dump(stored, f, ensure_ascii=False, indent=2)

def show(title, value, limit=None):
    lines = json.dumps(value, ensure_ascii=False, indent=2).splitlines()
    print(f"--- {title}")
    for line in lines[:limit]:
        print(line if len(line) <= 150 else line[:147] + "...")
    if limit and len(lines) > limit:
        print(f"... ({len(lines) - limit} more lines)")

show("envelope", stored["envelope"])
show("receipt (signed by eu-aio)", stored["receipt"])
translation = stored["translation"]
if translation is None:
    sys.exit("no translation: is [exchange.translate_to] in the EU configuration?")
with open(f"{out}/eu-scc-annex.json", "w", encoding="utf-8") as f:
    json.dump(translation, f, ensure_ascii=False, indent=2)
show(f"translation into {stored['record'].get('translated_to')} (first lines; all of it in {out}/eu-scc-annex.json)",
     translation, 24)

report = stored["record"]["report"]
summary = report["summary"]
print("--- gap report")
print("summary: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
for field in report["fields"]:
    if field["status"] in ("exact",):
        continue
    required = "required" if field.get("required") else "optional"
    note = f"  ({field['note']})" if field.get("note") else ""
    print(f"  {field['status']:<11} {required:<8} {field['pointer']}{note}")
dropped = collections.Counter(
    re.sub(r"/\d+(?=/|$)", "/*", f["location"]) for f in report.get("source_fields", []) if not f["consumed"])
if dropped:
    print("  not carried over from the source: "
          + ", ".join(f"{path} ({n})" if n > 1 else path for path, n in sorted(dropped.items())))
for shape in report.get("shapes", []):
    message = shape["message"]
    message = message if len(message) <= 110 else message[:107] + "..."
    print(f"  shape {shape['severity']:<9} {shape['path']}: {message}")
PY

# ---- 6. evidence -----------------------------------------------------------------------
step "6/7 evidence chains"
echo -n "cn-cac: "
"$bin" --config "$cn" evidence verify
echo -n "eu-aio: "
"$bin" --config "$eu" evidence verify

step "7/7 evidence bundle of $id, exported by eu-aio and checked offline"
"$bin" --config "$eu" evidence export "$id" -o "$dir/bundle.json"
echo "wrote $dir/bundle.json"
"$bin" evidence verify-bundle "$dir/bundle.json"

cleanup
echo
echo "done: every step succeeded. Files (PKI, configurations, data, logs, eu-inbox-message.json," \
    "eu-scc-annex.json, bundle.json) are in $dir"
