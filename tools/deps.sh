#!/usr/bin/env bash
# Installs the Debian 12 packages Stratus builds and tests with. As root it runs apt-get;
# otherwise it prints the exact command and fails, so `make` stops with a clear next step.
set -euo pipefail
PKGS=(build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libboost-dev libboost-system-dev librocksdb-dev rapidjson-dev libpugixml-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libzip-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-boto3 curl wrk nginx-light bubblewrap
  chromium chromium-driver python3-selenium  # the browser test (test_browser_sdk.py)
  python3-jwt  # Cognito tokens verified with an independent JWT library (test_cognito.py)
  tzdata  # /usr/share/zoneinfo: schedule time zones (src/events/tz.h)
  awscli  # the aws CLI v2 (`aws logs tail`, test_logs_tail.py; a v1 earlier on PATH is fine)
  autoconf automake libtool)  # the last three build aws-lambda-ric's native part (tests)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
py_ok=1
python3 -c "import boto3, botocore" 2>/dev/null || py_ok=0
command -v aws >/dev/null 2>&1 || py_ok=0
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "missing packages; run:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi
if [ $py_ok = 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3-boto3 awscli
  else
    echo "missing python test tools; run:"
    echo "  sudo apt-get install -y python3-boto3 awscli"
    exit 1
  fi
fi
# The browser test's page bundles the AWS SDK for JavaScript v3 with esbuild (npm packages pinned
# in tests/integration/browser/package-lock.json).
page="$(dirname "$0")/../tests/integration/browser"
if [ ! -d "$page/node_modules/@aws-sdk/client-dynamodb" ] || [ ! -x "$page/node_modules/.bin/esbuild" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
    else
      echo "missing npm; run:"
      echo "  sudo apt-get install -y nodejs npm"
      exit 1
    fi
  fi
  (cd "$page" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The Cognito JavaScript clients (amazon-cognito-identity-js's SRP, @aws-sdk/client-cognito-identity-provider,
# @aws-sdk/client-cognito-identity with credential-providers' fromCognitoIdentityPool),
# pinned in tests/integration/cognito/package-lock.json (test_cognito_js.py).
cognito="$(dirname "$0")/../tests/integration/cognito"
if [ ! -d "$cognito/node_modules/@aws-sdk/credential-providers" ] && command -v npm >/dev/null 2>&1; then
  (cd "$cognito" && npm ci --no-audit --no-fund --loglevel=error)
fi
# EventBridge and Scheduler through the AWS SDK for JavaScript v3, pinned in
# tests/integration/events_js/package-lock.json (test_events_js.py).
events_js="$(dirname "$0")/../tests/integration/events_js"
if [ ! -d "$events_js/node_modules/@aws-sdk/client-scheduler" ] && command -v npm >/dev/null 2>&1; then
  (cd "$events_js" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The CloudWatch, SES and CloudWatch Logs JavaScript clients test_observability_js.py drives, pinned
# in tests/integration/observability_js/package-lock.json.
obsjs="$(dirname "$0")/../tests/integration/observability_js"
if [ ! -d "$obsjs/node_modules/@aws-sdk/client-sesv2" ] && command -v npm >/dev/null 2>&1; then
  (cd "$obsjs" && npm ci --no-audit --no-fund --loglevel=error)
fi
# What AWS's managed runtimes ship and Stratus' runtimes resolve in the same place: boto3 for
# python (python3-boto3, above), the AWS SDK for JavaScript v3 for node (below the function's and
# its layers' packages, see src/runtime/process.h kNodeSdkDir); and AWS's own runtime interface
# client, which the integration tests run as a provided.al2023 bootstrap.
if command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  SDK=/usr/local/lib/stratus/nodejs
  CLIENTS=(client-dynamodb lib-dynamodb client-sqs client-sns client-s3 client-lambda client-sts
    client-ssm client-secrets-manager client-kms client-cognito-identity-provider
    client-eventbridge client-sfn client-cloudwatch-logs client-ses)
  if [ ! -f "$SDK/node_modules/@aws-sdk/client-ses/package.json" ]; then
    echo "installing the AWS SDK for JavaScript v3 into $SDK"
    mkdir -p "$SDK"
    (umask 022 && npm install --prefix "$SDK" --no-audit --no-fund --no-save --loglevel=error \
      "${CLIENTS[@]/#/@aws-sdk/}")
  fi
  RIC=/usr/local/lib/stratus/aws-lambda-ric
  if [ ! -f "$RIC/node_modules/aws-lambda-ric/dist/rapid-client.node" ]; then
    echo "installing aws-lambda-ric into $RIC (builds its native part: a few minutes)"
    mkdir -p "$RIC"
    # npm 11 runs a dependency's install scripts only when approved: this one builds the client.
    printf '{"private": true, "allowScripts": {"aws-lambda-ric": true}}\n' > "$RIC/package.json"
    (umask 022 && npm install --prefix "$RIC" --no-audit --no-fund --no-save --loglevel=error \
      aws-lambda-ric@3 && { test -f "$RIC/node_modules/aws-lambda-ric/dist/rapid-client.node" || \
      npm rebuild --prefix "$RIC" --loglevel=error aws-lambda-ric; }) ||
      echo "aws-lambda-ric could not be installed: its test will fail"
  fi
fi
