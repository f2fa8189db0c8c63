#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for gpuplan and runs it on the bundled example.
#  - installs what the HiGHS solver build needs (C++ compiler, cmake, libclang for bindgen);
#  - builds gpuplan in release mode (the first build compiles HiGHS: ~3-5 minutes);
#  - plans scenarios/synthetic.toml and writes the purchase plan to plan.json.
# `./setup.sh --dry-run` only prints the Debian packages it would install.
set -euo pipefail

# libclang_present [ROOT]: succeeds when bindgen (through clang-sys) will find a libclang
# shared library. It looks where clang-sys looks: $LIBCLANG_PATH when set, else
# `llvm-config --libdir`, else /usr/local/llvm*/lib*, /usr/local/lib* and /usr/lib* and two
# levels below them; and it accepts the names clang-sys accepts: libclang.so, libclang-*.so,
# libclang.so.* and libclang-*.so.*, but never libclang-cpp* (the C++ API library that
# libclang-cpp14 installs: bindgen cannot use it). ROOT (for tests) prefixes every directory
# and turns off $LIBCLANG_PATH and llvm-config.
libclang_present() {
  local root="${1:-}"
  local dirs=()
  if [ -z "$root" ] && [ -n "${LIBCLANG_PATH:-}" ]; then
    dirs=("$LIBCLANG_PATH")
  else
    if [ -z "$root" ] && command -v llvm-config >/dev/null 2>&1; then
      dirs+=("$(llvm-config --libdir)")
    fi
    dirs+=("$root"/usr/local/llvm*/lib*/ "$root"/usr/local/lib*/*/*/ "$root"/usr/local/lib*/*/
      "$root"/usr/local/lib*/ "$root"/usr/lib*/*/*/ "$root"/usr/lib*/*/ "$root"/usr/lib*/)
  fi
  local d f name
  for d in "${dirs[@]}"; do
    [ -d "$d" ] || continue
    for f in "$d"/libclang.so "$d"/libclang-*.so "$d"/libclang.so.* "$d"/libclang-*.so.*; do
      [ -e "$f" ] || continue
      name="${f##*/}"
      case "$name" in
        libclang-cpp*) continue ;;
      esac
      return 0
    done
  done
  return 1
}

# packages_needed [ROOT]: the Debian packages the build still needs, one per line.
packages_needed() {
  command -v c++ >/dev/null 2>&1 || echo build-essential
  command -v cmake >/dev/null 2>&1 || echo cmake
  libclang_present "${1:-}" || echo libclang-dev
}

main() {
  cd "$(dirname "$0")"
  local need
  mapfile -t need < <(packages_needed)
  if [ "${1:-}" = "--dry-run" ]; then
    if [ ${#need[@]} -gt 0 ]; then
      echo "would install: ${need[*]}"
    else
      echo "nothing to install"
    fi
    return 0
  fi
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    local sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
  if ! libclang_present; then
    echo "libclang (libclang.so or libclang-N.so) is still missing: set LIBCLANG_PATH to the directory that holds it" >&2
    exit 1
  fi
  command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }

  cargo build --release
  ./target/release/gpuplan validate scenarios/synthetic.toml
  ./target/release/gpuplan plan scenarios/synthetic.toml --out plan.json
  echo
  echo "plan written to plan.json (schema: schemas/plan.schema.json)"
}

# Run only when executed, not when sourced (tests source it for its functions).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
