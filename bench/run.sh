#!/usr/bin/env bash
# make bench: stratus vs moto_server (and nginx as the ceiling), side by side in one run.
set -euo pipefail
here=$(dirname "$0")
python3 "$here/bench.py" "$@"
python3 "$here/orders_pipeline.py" "$@"
python3 "$here/dynamodb_bulk.py" "$@"
python3 "$here/cognito_srp.py" "$1"
python3 "$here/user_management_api.py" "$1"
python3 "$here/banking_notifications.py" "$1"
python3 "$here/user_signup_hello.py" "$1"
