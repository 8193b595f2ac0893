#!/usr/bin/env bash
# The test suite in external-realm mode, against a KDC started outside the
# test process -- exactly what docker/compose.yaml does, without Docker.
#
#   scripts/test-external.sh [mit|heimdal] [pytest arguments]
#
# Starts the realm bootstrap the KDC images' entrypoints run
# (`python -m sspi_compat.testing --kdc KDC --json ... --env-file ...`) as a
# plain background process, waits for its JSON description (written once the
# KDC answers), runs pytest with SSPI_COMPAT_EXTERNAL_REALM=1 and
# SSPI_COMPAT_REALM_JSON pointing at it, and stops the bootstrap (SIGTERM)
# however pytest ends. Default test paths: tests/integration tests/pywin32.
# Tests that administer the realm are deselected, and pytest says how many.
#
# The Python: $PYTHON, else $VENV/bin/python (VENV defaults to .venv), else python3.
set -euo pipefail
cd "$(dirname "$0")/.."

kdc=${1:-mit}
[ $# -gt 0 ] && shift
case "$kdc" in mit|heimdal) ;; *) echo "usage: $0 [mit|heimdal] [pytest args]" >&2; exit 2 ;; esac
if [ -n "${PYTHON:-}" ]; then py=$PYTHON
elif [ -x "${VENV:-.venv}/bin/python" ]; then py=${VENV:-.venv}/bin/python
else py=python3; fi
[ "$kdc" = heimdal ] && scripts/heimdal-prefix.sh >/dev/null

dir=$(mktemp -d "${TMPDIR:-/tmp}/sspi-compat-external.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"$py" -m sspi_compat.testing --kdc "$kdc" --workdir "$dir/realm" \
    --json "$dir/realm.json" --env-file "$dir/realm.env" >"$dir/bootstrap.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
    [ -s "$dir/realm.json" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "the realm bootstrap exited:" >&2; cat "$dir/bootstrap.out" >&2; exit 1
    fi
    sleep 0.05
done
[ -s "$dir/realm.json" ] || { echo "the realm bootstrap did not come up in 30 s" >&2; exit 1; }
echo "==> external $kdc realm up (bootstrap pid $pid); running the suite against it" >&2

[ $# -gt 0 ] || set -- tests/integration tests/pywin32
rc=0
SSPI_COMPAT_EXTERNAL_REALM=1 SSPI_COMPAT_REALM_JSON="$dir/realm.json" \
    "$py" -m pytest "$@" || rc=$?
exit "$rc"
