#!/bin/bash
# run.sh BUILD — run every test suite against the build in BUILD and print one summary line.
# Each suite prints TAP lines ("ok N - name" / "not ok N - name"); cmocka programs do so through
# CMOCKA_MESSAGE_OUTPUT=TAP. Failures are echoed in full; the last line is "N passed, N failed".
# FERRY_WRAPPER runs the build's programs (qemu-aarch64-static for an aarch64 build on another
# host; tests/guest/run.sh reads it too); FERRY_SKIP names unit tests to leave out (those that
# start BUILD/ferry themselves, which no wrapper reaches); FERRY_NO_GUESTS=1 leaves out the
# guest programs and the shell scripts (tests/scripts).
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 2
export CMOCKA_MESSAGE_OUTPUT=TAP
log=$(mktemp -d)
pass=0; fail=0

run_suite() {   # name command...
    local name=$1; shift
    local out="$log/$name.out"
    "$@" >"$out" 2>&1
    local rc=$?
    local p f
    p=$(grep -cE '^ok [0-9]+' "$out")
    f=$(grep -cE '^not ok [0-9]+' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name exited with status $rc"; fi
    pass=$((pass + p)); fail=$((fail + f))
    printf '%-28s %4d passed, %d failed\n' "$name" "$p" "$f"
    if [ "$f" -ne 0 ]; then grep -E -A12 '^not ok' "$out" | head -80; fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    case " $FERRY_SKIP " in *" $(basename "$t") "*) printf '%-28s skipped\n' "$(basename "$t")"; continue ;; esac
    run_suite "$(basename "$t")" $FERRY_WRAPPER "$t"
done
[ -n "$FERRY_NO_GUESTS" ] || run_suite guest-programs tests/guest/run.sh "$BUILD"
[ -n "$FERRY_NO_GUESTS" ] || run_suite shell-scripts tests/scripts/run.sh "$BUILD"
run_suite check-deps sh -c 'scripts/check-deps.sh && echo "ok 1 - include rule"'
[ -n "$FERRY_WRAPPER" ] || run_suite makefile-rules tests/tools/make_rules.sh
rm -rf "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
