#!/bin/bash
# total.sh COMMAND... — run each command (a test suite whose output ends with "N passed, N
# failed"), one after the other, showing their output, then print the sum of those lines as
# the last line. Exits non-zero if any suite failed or did not end with its summary line.
pass=0; fail=0; status=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for cmd in "$@"; do
    bash -c "$cmd" 2>&1 | tee "$tmp"
    rc=${PIPESTATUS[0]}
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp" | tail -1)
    if [ -z "$last" ]; then
        echo "not ok - '$cmd' printed no summary line (exit status $rc)"
        fail=$((fail + 1)); status=1; continue
    fi
    p=${last%% passed*}; f=${last#*, }; f=${f%% failed}
    pass=$((pass + p)); fail=$((fail + f))
    [ "$rc" -ne 0 ] && status=1
done
echo "$pass passed, $fail failed"
[ "$status" -eq 0 ] && [ "$fail" -eq 0 ]
