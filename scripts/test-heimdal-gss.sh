#!/usr/bin/env bash
# The "heimdal-gss" leg: the whole suite with python-gssapi built against
# Heimdal's GSS-API library (in .venv-heimdal, made by scripts/heimdal-venv.sh)
# and throwaway Heimdal realms.
#
#   scripts/test-heimdal-gss.sh [pytest arguments]
#
# Heimdal's library reads krb5.conf once per thread: the pytest plugin starts
# the session realm before any test module is imported and runs a test whose
# realm is another in a thread of that realm's (docs/heimdal.md). Tests that
# need gss-ntlmssp (MIT's mechglue only) are deselected, and pytest says so.
# What differs from MIT's library is listed, with reasons, in
# scripts/heimdal-gss-known-differences.txt (xfails). tests/testing/test_realm.py
# (the MIT harness's own tests) runs in the MIT leg.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${HEIMDAL_VENV:-.venv-heimdal}
scripts/heimdal-venv.sh "$venv"
SSPI_COMPAT_KDC=heimdal exec "$venv/bin/python" -m pytest --ignore=tests/testing/test_realm.py \
    --known-differences scripts/heimdal-gss-known-differences.txt "$@"
