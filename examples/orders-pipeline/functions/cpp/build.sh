#!/usr/bin/env bash
# Builds the two C++ functions of the orders pipeline as provided.al2023 deployment packages:
# OUTDIR/write_order.zip and OUTDIR/notify_order.zip, each holding an executable `bootstrap`.
#
#   bash functions/cpp/build.sh OUTDIR        (CXX picks the compiler, default g++)
#
# Needs a C++20 compiler and the RapidJSON and OpenSSL headers (Debian: rapidjson-dev libssl-dev).
# The zips are written with python3's zipfile module, so no `zip` binary is needed.
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
sdk=${STRATUS_SDK_DIR:-$here/../../../../sdk/cpp}
cxx=${CXX:-g++}
mkdir -p "$out"
out=$(cd "$out" && pwd)

flags=(-std=c++20 -O2 -Wall -Wextra -I "$sdk")
# A self-contained bootstrap: link the C++ runtime statically when its static library exists.
if [ "$("$cxx" -print-file-name=libstdc++.a)" != libstdc++.a ]; then
  flags+=(-static-libstdc++ -static-libgcc)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for fn in write_order notify_order; do
  mkdir -p "$work/$fn"
  "$cxx" "${flags[@]}" "$here/$fn.cc" -o "$work/$fn/bootstrap" -lcrypto
  python3 - "$work/$fn/bootstrap" "$out/$fn.zip" <<'PY'
import sys, zipfile
src, dest = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 << 16)  # a regular file, rwxr-xr-x: Lambda runs it as is
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dest, "w") as z:
    z.writestr(info, f.read())
PY
  echo "built $out/$fn.zip"
done
