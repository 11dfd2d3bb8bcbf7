#!/usr/bin/env bash
# make bench: stratus vs moto_server (and nginx as the ceiling), side by side in one run.
set -euo pipefail
exec python3 "$(dirname "$0")/bench.py" "$@"
