# processes.sh — processes from the shell: background jobs and wait, pipeline statuses,
# signals and traps, xargs starting commands, read loops fed by pipes, nested shells.

echo "== background jobs"
( sleep 0.2; echo "slow job" ) &
slow=$!
( echo "fast job" ) &
wait $!; echo "fast status $?"
wait $slow; echo "slow status $?"
(exit 5) & wait $!; echo "background exit $?"
for i in 1 2 3; do ( echo "worker $i" > /dev/null; exit $i ) & done; wait; echo "all waited"

echo "== pipelines"
seq 1 1000 | grep 7 | wc -l | tr -d ' '
echo abc | { read -r line; echo "got $line"; }
seq 5 | while read -r n; do echo "line $n"; done | tail -2
false | true; echo "pipeline status $?"
yes ferry | head -3

echo "== signals and traps"
sh -c 'kill -TERM $$; echo not reached'; echo "killed by TERM: $?"
sh -c 'trap "echo caught USR1" USR1; kill -USR1 $$; echo after trap'
sh -c 'trap "echo exiting" EXIT; exit 4'; echo "status $?"
sleep 5 & sl=$!; kill $sl; wait $sl; echo "sleep killed: $?"
sh -c 'trap "" INT; kill -INT $$; echo ignored INT'

echo "== xargs and nested shells"
printf '%s\n' a b c d e | xargs -n 2 echo
printf '%s\n' 3 1 2 | xargs -I{} sh -c 'echo item {}; exit 0' | sort
echo 'echo from stdin shell; exit 6' | sh; echo "stdin shell: $?"
sh -c 'sh -c "sh -c \"echo three deep; exit 9\""'; echo "deep status $?"
out=$(sh -c 'echo to-stderr >&2; echo to-stdout' 2>/dev/null); echo "captured $out"
command -v sh >/dev/null && echo "sh found"
nonexistent_command_ferry 2>/dev/null; echo "missing command: $?"
exit 0
