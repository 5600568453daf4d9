#!/usr/bin/env bash
# Checks that a file is a valid OpenAPI 3.1 document (the server's
# /api/v1/openapi.json), with openapi-spec-validator from PyPI: an
# implementation of the specification's own schemas, independent of the
# code that generates the document. tests/it/openapi.rs runs it on the
# generated document and fails when the validator is not installed.
#
#   scripts/check-openapi.sh install   install the validator into its virtual
#                                      environment (if missing)
#   scripts/check-openapi.sh FILE      validate FILE as OpenAPI 3.1; exit 0 when valid
#
# Settings (environment): YARDSTICK_OPENAPI_VENV (default
# $HOME/.cache/yardstick-openapi-venv), OPENAPI_SPEC_VALIDATOR_VERSION
# (default 0.9.0).
set -euo pipefail

venv="${YARDSTICK_OPENAPI_VENV:-$HOME/.cache/yardstick-openapi-venv}"
version="${OPENAPI_SPEC_VALIDATOR_VERSION:-0.9.0}"
validator="$venv/bin/openapi-spec-validator"

die() { echo "check-openapi: $1" >&2; exit "${2:-1}"; }

installed() {
  [ -x "$validator" ] && [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))' 2>/dev/null)" = "$version" ]
}

case "${1:-}" in
  install)
    if installed; then
      echo "check-openapi: openapi-spec-validator $version is installed in $venv"
      exit 0
    fi
    echo "check-openapi: installing openapi-spec-validator==$version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "openapi-spec-validator==$version"
    ;;
  "" | -h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    [ -n "${1:-}" ]
    ;;
  *)
    [ -f "$1" ] || die "no file \`$1\`"
    [ -x "$validator" ] || die "openapi-spec-validator is not installed in $venv: run \`bash scripts/check-openapi.sh install\` (needs python3 with venv and PyPI), or set YARDSTICK_OPENAPI_VENV to a virtual environment that has it" 3
    "$validator" --schema 3.1 "$1"
    ;;
esac
