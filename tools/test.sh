#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit,
# integration against the real binary, property tests, chaos smoke runs)
# with ctest, then every fuzz target for a short while from its corpus
# (docs/reliability.md). The sanitizer builds run on request.
#
#   tools/test.sh [ctest args...]                   the suite, then the fuzz
#                                                   targets (not with ctest args)
#   tools/test.sh --quick [ctest args...]           the normal build's suite only
#   tools/test.sh --sanitize LIST [ctest args...]   one sanitizer build's suite only;
#                                                   LIST: address,undefined or thread
#
# ctest args (e.g. -R pattern) go to every suite run.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
sanitize=""
case "${1:-}" in
  --quick) mode=quick; shift ;;
  --sanitize)
    [ $# -ge 2 ] || { echo "usage: tools/test.sh --sanitize address,undefined|thread [ctest args...]" >&2; exit 2; }
    mode=sanitize; sanitize=$2; shift 2 ;;
  --sanitize=*) mode=sanitize; sanitize=${1#--sanitize=}; shift ;;
esac

# build-asan-ubsan for address,undefined; build-tsan for thread.
build_dir_for() {
  local dir=build name
  IFS=, read -ra names <<<"$1"
  for name in "${names[@]}"; do
    case "$name" in
      address) dir+=-asan ;;
      undefined) dir+=-ubsan ;;
      thread) dir+=-tsan ;;
      leak) dir+=-lsan ;;
      *) echo "tools/test.sh: unknown sanitizer '$name'" >&2; exit 2 ;;
    esac
  done
  echo "$dir"
}

# The sanitizers' runtime options: stop at the first report with a stack,
# look for leaks at exit, and skip only what tools/sanitizers/ lists (known
# issues in libraries we do not build). A caller's own options come last,
# so they win.
export_sanitizer_options() {
  local supp=$PWD/tools/sanitizers
  local common=halt_on_error=1:print_stacktrace=1:strip_path_prefix=$PWD/
  export ASAN_OPTIONS="$common:detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export UBSAN_OPTIONS="$common:suppressions=$supp/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  export TSAN_OPTIONS="$common:second_deadlock_stack=1:suppressions=$supp/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
}

# suite SANITIZERS [ctest args...]: configures, builds and runs ctest in the
# build folder for SANITIZERS ("" for the normal build).
suite() {
  local sanitizers=$1 dir
  shift
  dir=$(build_dir_for "$sanitizers")
  local flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON)
  if [ -n "$sanitizers" ]; then
    # -O1: a clean build compiles faster than at -O2, and the instrumented
    # code still runs the suite about as fast.
    flags+=(-DANKISYNC_SANITIZE="$sanitizers" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g")
  fi
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
  (
    [ -z "$sanitizers" ] || export_sanitizer_options
    ctest --test-dir "$dir" --output-on-failure -j2 "$@"
  )
}

tools/install-deps.sh
case "$mode" in
  quick) suite "" "$@" ;;
  sanitize) suite "$sanitize" "$@" ;;
  all)
    # Each step of the full run is one line here. The ASan+UBSan suite is
    # not one of them yet: its cold build next to this one does not fit
    # CI's time on two cores (docs/reliability.md, "Sanitizers").
    suite "" "$@"
    [ $# -gt 0 ] || tools/fuzz.sh --seconds 15
    ;;
esac
