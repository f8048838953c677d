#!/bin/bash
# total.sh [-j N] COMMAND... — run each command (a test suite whose output ends with "N passed,
# N failed"), up to N at a time (default 1), then print the sum of those lines as the last line.
# Exits non-zero if any suite failed or did not end with its summary line.
#
# With N > 1 a suite's output is held until it ends and then shown whole, in the order the
# commands were given (a later suite that ends first waits for the earlier ones), so the log
# reads as if they had run one after the other. The suites must not build the same files at
# the same time: the Makefile builds everything they need before it starts them.
jobs=1
if [ "$1" = "-j" ]; then jobs=$2; shift 2; fi
case "$jobs" in ''|*[!0-9]*|0) echo "total.sh: -j needs a positive number" >&2; exit 2;; esac
pass=0; fail=0; status=0
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$dir"' EXIT

# Add suite i's summary line to the totals (its output is in $dir/i.out, its status in rc).
tally() {
    local i=$1 cmd=$2 rc=$3 last p f
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$dir/$i.out" | tail -1)
    if [ -z "$last" ]; then
        echo "not ok - '$cmd' printed no summary line (exit status $rc)"
        fail=$((fail + 1)); status=1; return
    fi
    p=${last%% passed*}; f=${last#*, }; f=${f%% failed}
    pass=$((pass + p)); fail=$((fail + f))
    [ "$rc" -ne 0 ] && status=1
}

if [ "$jobs" -eq 1 ]; then
    i=0
    for cmd in "$@"; do
        bash -c "$cmd" 2>&1 | tee "$dir/$i.out"
        tally "$i" "$cmd" "${PIPESTATUS[0]}"
        i=$((i + 1))
    done
else
    n=$#; cmds=("$@"); next=0; shown=0; running=0
    start() {
        local i=$next
        ( bash -c "${cmds[$i]}" >"$dir/$i.out" 2>&1; echo $? >"$dir/$i.rc.tmp"; mv "$dir/$i.rc.tmp" "$dir/$i.rc" ) &
        pids+=($!); next=$((next + 1)); running=$((running + 1))
    }
    while [ "$shown" -lt "$n" ]; do
        while [ "$running" -lt "$jobs" ] && [ "$next" -lt "$n" ]; do start; done
        # Show every finished suite that is next in order.
        while [ "$shown" -lt "$n" ] && [ -f "$dir/$shown.rc" ]; do
            cat "$dir/$shown.out"
            tally "$shown" "${cmds[$shown]}" "$(cat "$dir/$shown.rc")"
            shown=$((shown + 1))
        done
        # Count the suites still running; look again a moment later (polling keeps this
        # independent of how the shell reports children that ended in between).
        running=0
        for ((k = 0; k < next; k++)); do [ -f "$dir/$k.rc" ] || running=$((running + 1)); done
        if [ "$shown" -lt "$n" ] && [ ! -f "$dir/$shown.rc" ]; then sleep 1; fi
    done
    wait
fi
echo "$pass passed, $fail failed"
[ "$status" -eq 0 ] && [ "$fail" -eq 0 ]
