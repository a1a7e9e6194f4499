#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang 19, ASan + UBSan) in
# build-fuzz/ and runs each for a while from its committed seeds.
#
#   tools/fuzz.sh [--seconds N] [TARGET...]     (default: 20 s, every target)
#
# The committed corpus (tests/fuzz/corpus/<target>/) is only read: runs
# work on a copy under build-fuzz/fuzz-corpus/, which keeps growing from
# run to run. Exits nonzero when any target finds a crash, a leak, a
# timeout or an out-of-memory, naming the input that reproduces it
# (build-fuzz/fuzz-artifacts/<target>/...). On a terminal libFuzzer's
# progress is shown; otherwise one line per target.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=()
for f in tests/fuzz/*_fuzz.cpp; do
  n=$(basename "$f" _fuzz.cpp)
  all+=("$n")
done
if [ ${#targets[@]} -eq 0 ]; then targets=("${all[@]}"); fi
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/${t}_fuzz.cpp" ] || { echo "fuzz: no target $t (have: ${all[*]})" >&2; exit 2; }
done

if [ -t 1 ]; then tty=1; else tty=0; fi
build=build-fuzz
mkdir -p "$build"
log="$build/fuzz-build.log"
quiet() { if [ $tty -eq 1 ]; then "$@"; else "$@" >>"$log" 2>&1; fi; }
: >"$log"
if ! quiet tools/install-deps.sh \
  || ! quiet cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
       -DANKISYNC_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-19 \
  || ! quiet cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${targets[@]}"); then
  [ $tty -eq 1 ] || tail -n 40 "$log" >&2
  echo "fuzz: build failed (log: $log)" >&2
  exit 1
fi

# Longest input per target: a little past its largest seed, so mutations
# stay near real sizes and each run stays fast.
max_len() {
  case "$1" in
    collection_upload) echo 65536 ;;
    compression|media_zip) echo 16384 ;;
    sync_request|sync_body|legacy_envelope) echo 8192 ;;
    schema11|record_file|note_text) echo 4096 ;;
    media_name) echo 512 ;;
    *) echo 4096 ;;
  esac
}

failed=0
export TMPDIR="$PWD/$build/fuzz-tmp"
mkdir -p "$TMPDIR"
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  cp -p tests/fuzz/corpus/"$t"/* "$corpus"/
  run_log="$build/fuzz-$t.log"
  args=(-max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048
        -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$PWD/$artifacts/")
  [ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
  set +e
  if [ $tty -eq 1 ]; then
    "$build/tests/fuzz/fuzz_$t" "${args[@]}" "$corpus" 2>&1 | tee "$run_log"
    rc=${PIPESTATUS[0]}
  else
    "$build/tests/fuzz/fuzz_$t" "${args[@]}" "$corpus" >"$run_log" 2>&1
    rc=$?
  fi
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run_log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run_log" | tail -n 1)
  units=$(find "$corpus" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $t: ok, ${runs:-?} runs in ${seconds} s (${speed:-?} exec/s), corpus $units inputs"
  else
    failed=1
    what=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [a-zA-Z-]+|runtime error|fuzz invariant broken' "$run_log" || true)
    repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$run_log" | tail -n 1)
    echo "fuzz $t: FAILED (${what:-exit $rc}); reproducer: ${repro:-none written}; log: $run_log" >&2
  fi
done
exit $failed
