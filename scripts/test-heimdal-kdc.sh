#!/usr/bin/env bash
# The "heimdal-kdc" leg: the whole suite against throwaway Heimdal realms, with
# python-gssapi built against MIT (the client libraries stay MIT's; only the
# KDC and the realm's programs are Heimdal's, from the private prefix).
#
#   scripts/test-heimdal-kdc.sh [pytest arguments]
#
# The Python: $PYTHON, else $VENV/bin/python (VENV defaults to .venv, what
# ./run setup makes), else python3. tests/testing/test_realm.py is left out:
# it tests the MIT harness itself and runs in the MIT leg (test_heimdal.py is
# the Heimdal harness's). What still differs is listed, with reasons, in
# scripts/heimdal-kdc-known-differences.txt (xfails).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PYTHON:-}" ]; then py=$PYTHON
elif [ -x "${VENV:-.venv}/bin/python" ]; then py=${VENV:-.venv}/bin/python
else py=python3; fi
scripts/heimdal-prefix.sh
SSPI_COMPAT_KDC=heimdal exec "$py" -m pytest --ignore=tests/testing/test_realm.py \
    --known-differences scripts/heimdal-kdc-known-differences.txt "$@"
