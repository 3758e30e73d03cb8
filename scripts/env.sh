# Sourced by the scripts: one cargo target directory outside the clone, shared by every
# clone and by CI, so RocksDB (about 20 CPU-minutes) is built once per machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/govgate/target}"

# The workplace's shared material (reference law, DPV, conformance suites, interop tools):
# ../shared beside the clone, or wherever GOVGATE_SHARED points.
if [ -z "${GOVGATE_SHARED:-}" ]; then
  for candidate in "$PWD/../shared" /work/shared; do
    if [ -d "$candidate/tools" ]; then GOVGATE_SHARED=$(cd "$candidate" && pwd); break; fi
  done
fi
if [ -z "${GOVGATE_SHARED:-}" ]; then
  echo "govgate: cannot find the shared material (../shared); set GOVGATE_SHARED" >&2
  return 1 2>/dev/null || exit 1
fi
export GOVGATE_SHARED
