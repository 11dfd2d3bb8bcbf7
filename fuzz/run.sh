#!/bin/bash
# Runs every fuzzer in <build-dir> for <seconds> each, seeded from fuzz/corpus/<name>/.
# New corpus entries go to a scratch directory, so the committed seeds stay small.
# Fails (exit 1) if any fuzzer reports a crash, leak or sanitizer error.
set -u
build=${1:?usage: run.sh <build-dir> <seconds>}
seconds=${2:?usage: run.sh <build-dir> <seconds>}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for src in "$here"/fuzz_*.cc; do
  name=$(basename "$src" .cc)
  bin="$build/fuzz/$name"
  if [ ! -x "$bin" ]; then
    echo "missing fuzzer $bin" >&2
    status=1
    continue
  fi
  work=$(mktemp -d)
  mkdir -p "$work/corpus" "$work/artifacts"
  echo "== $name: ${seconds}s"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
      "$work/corpus" "$here/corpus/$name" >"$work/log" 2>&1; then
    grep -E "^stat::number_of_executed_units|Done [0-9]+ runs" "$work/log" | tail -2
    rm -rf "$work"
  else
    echo "FAIL: $name (log and crash input kept in $work)" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "$work/log" | head -20 >&2
    status=1
  fi
done
exit $status
