#!/bin/bash
# run.sh BUILD — every tests/scripts/*.sh under busybox's shell (with busybox's own applets
# first in PATH: its sort, sed, awk, ...) and under bash-static (with the host's tools, which
# then run under ferry too through execve), natively and under BUILD/ferry; stdout and exit
# status must be the same. Prints TAP lines; a shell that is not installed is a SKIP
# (scripts/install-deps.sh installs busybox-static and bash-static).
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
FERRY_CMD=("$BUILD/ferry")
# An emulated ferry (FERRY_WRAPPER, the aarch64 build under qemu-user) starts the ferry of each
# execve through the same emulator (--exec-wrapper), as tests/guest/run.sh does.
[ -n "$FERRY_WRAPPER" ] && FERRY_CMD=($FERRY_WRAPPER "$BUILD/ferry" --exec-wrapper "$(command -v $FERRY_WRAPPER)")
# The time limit only catches a hang: a script under ferry under qemu-user takes 30-60 s on a
# busy 2-core machine, so an emulated run gets four times the native limit.
LIMIT=60
[ -n "$FERRY_WRAPPER" ] && LIMIT=240
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok()     { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
skip()   { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# FERRY_SCRIPT_SHELLS picks the shells (default both): make test's aarch64 part runs busybox
# only, since every script under qemu-user costs about half a minute there.
SHELLS=${FERRY_SCRIPT_SHELLS:-busybox bash}
BUSYBOX=$(command -v busybox)
BASH_STATIC=$(command -v bash-static)
if [ -n "$BUSYBOX" ]; then
    mkdir "$tmp/bb"
    for a in $("$BUSYBOX" --list); do ln -s "$BUSYBOX" "$tmp/bb/$a"; done
fi

# One script under one shell: the same environment for both runs (no locale: C collation).
compare() {  # label path-prefix shell script
    local label=$1 path=$2 shell=$3 script=$4
    run() { env -i PATH="$path" HOME=/tmp LC_ALL=C "$@" </dev/null; }
    run timeout 60 $shell "$script" >"$tmp/native.out" 2>/dev/null; local nrc=$?
    run timeout -k 10 $LIMIT "${FERRY_CMD[@]}" $shell "$script" >"$tmp/ferry.out" 2>"$tmp/ferry.err"
    local frc=$?
    if [ $nrc -eq $frc ] && cmp -s "$tmp/native.out" "$tmp/ferry.out"; then
        ok "$label: same output ($(wc -l <"$tmp/native.out") lines) and exit status ($nrc) as native"
    else
        not_ok "$label: differs from native" "exit status native=$nrc ferry=$frc" \
            "$(diff "$tmp/native.out" "$tmp/ferry.out" | head -10)" "$(head -5 "$tmp/ferry.err")"
    fi
}

for script in tests/scripts/*.sh; do
    [ "$(basename "$script")" = run.sh ] && continue
    name=$(basename "$script" .sh)
    if [[ " $SHELLS " != *" busybox "* ]]; then
        skip "busybox sh $name" "not among FERRY_SCRIPT_SHELLS"
    elif [ -n "$BUSYBOX" ]; then
        compare "busybox sh $name" "$tmp/bb:/usr/bin:/bin" "$BUSYBOX sh" "$script"
    else
        skip "busybox sh $name" "no busybox"
    fi
    if [[ " $SHELLS " != *" bash "* ]]; then
        skip "bash-static $name" "not among FERRY_SCRIPT_SHELLS"
    elif [ -n "$BASH_STATIC" ]; then
        compare "bash-static $name" "/usr/bin:/bin" "$BASH_STATIC" "$script"
    else
        skip "bash-static $name" "no bash-static"
    fi
done
