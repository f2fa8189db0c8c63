#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for gpuplan and runs it on the bundled example.
#  - installs what the HiGHS solver build needs (C++ compiler, cmake, libclang for bindgen);
#  - builds gpuplan in release mode (the first build compiles HiGHS: ~3-5 minutes);
#  - plans scenarios/synthetic.toml and writes the purchase plan to plan.json.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v c++ >/dev/null 2>&1 || need+=(build-essential)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
if ! ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 && ! ls /usr/lib/*/libclang*.so* >/dev/null 2>&1; then
  need+=(libclang-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }

cargo build --release
./target/release/gpuplan validate scenarios/synthetic.toml
./target/release/gpuplan plan scenarios/synthetic.toml --out plan.json
echo
echo "plan written to plan.json (schema: schemas/plan.schema.json)"
