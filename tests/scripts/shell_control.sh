# shell_control.sh — the shell language itself: functions (recursive, with locals through
# subshells), loops, case, arithmetic, here-docs, nested command substitution, exit statuses.

fib() {   # fib N: prints the Nth Fibonacci number, by recursion through command substitution
    if [ "$1" -lt 2 ]; then echo "$1"; return; fi
    echo $(( $(fib $(($1 - 1))) + $(fib $(($1 - 2))) ))
}
echo "fib 8 = $(fib 8)"        # 67 calls, each a subshell (a fork under ferry)

count_args() { echo "$# args, first=${1-none}, rest=${2:+yes}"; return $#; }
count_args; echo "status $?"
count_args a "b c" d; echo "status $?"

echo "== loops"
i=0; s=0
while [ $i -lt 100 ]; do i=$((i + 1)); s=$((s + i * i)); done
echo "sum of squares 1..100 = $s"
for w in one two three; do
    case $w in
        one) printf '1 ';;
        t*)  printf 't(%s) ' "${#w}";;
        *)   printf '? ';;
    esac
done; echo
n=0; until [ $n -ge 3 ]; do n=$((n + 1)); [ $n -eq 2 ] && continue; echo "until $n"; done
for i in 1 2 3 4 5 6; do [ $i -gt 4 ] && break; printf '%s' "$i"; done; echo

echo "== arithmetic"
echo $(( (7 + 3) * 4 / 3 % 5 )) $(( 1 << 10 )) $(( 0x1F & 12 | 3 ^ 5 )) $(( -17 / 5 )) $(( -17 % 5 ))
echo $(( 2147483647 + 1 )) $(( 9223372036854775807 )) $(( 3 > 2 && 1 < 0 || 5 ))
x=5; x=$((x * 3)); : $((x += 2)); echo "x=$x"
expr 7 \* 6; expr length "hello"; expr 17 % 5; expr "abc" \< "abd"

echo "== here-docs and substitution"
name=ferry
cat <<END
Hello, $name: $(echo nested $(echo deeper))
  tab-free line, \$literal, $((6 * 7))
END
cat <<'END'
quoted: $name $(not run)
END
v=$(printf 'a\nb\n\n\n')            # trailing newlines dropped
echo "[$v]"
echo "${name#f} ${name%y} ${name%%r*} ${#name} ${unset_var:-default}"

echo "== subshells and statuses"
(exit 7); echo "subshell: $?"
( x=inner; echo "in: $x" ); echo "out: ${x}"
false || echo "or-branch"
true && echo "and-branch"
! false; echo "negated: $?"
sh_status() { return "$1"; }
sh_status 42; echo "function: $?"
{ echo grouped; echo output; } | wc -l | tr -d ' '
set -- p q r; shift; echo "after shift: $* ($#)"
IFS=: read -r a b c <<END
f1:f2:f3:f4
END
echo "read: $a|$b|$c"
exit 3
