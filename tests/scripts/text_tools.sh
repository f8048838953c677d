# text_tools.sh — a word-frequency report and other text pipelines: tr, sort, uniq, head,
# tail, sed, awk, grep, cut, paste, wc (POSIX options only: busybox has them all).
text='The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.
A fox, a dog, and THE end: quick quick slow.'

echo "== word frequencies"
printf '%s\n' "$text" | tr 'A-Z' 'a-z' | tr -cs 'a-z' '\n' | grep -v '^$' |
    sort | uniq -c | sort -k1,1nr -k2,2 | head -5

echo "== line, word, byte counts"
printf '%s\n' "$text" | wc -l | tr -d ' '
printf '%s\n' "$text" | wc -w | tr -d ' '
printf '%s\n' "$text" | wc -c | tr -d ' '

echo "== sed"
printf '%s\n' "$text" | sed -e 's/fox/cat/g' -e '2s/^A /One /' -e '/sleeps/!d'
printf 'a=1\nb=2\n# comment\nc=3\n' | sed -n '/^#/!{s/=/ -> /;p;}'
printf 'x\ny\nz\n' | sed '1!G;h;$!d'          # reverse the lines

echo "== awk"
cat <<'TABLE' | awk -F: '
    $3 >= 1000 { users++; names = names (names ? "," : "") $1 }
    { shells[$7]++ }
    END {
        printf "users=%d names=%s\n", users, names
        n = 0; for (s in shells) n++
        printf "distinct shells=%d\n", n
        printf "%.3f %d %s\n", 22 / 7, int(1024.7), substr("abcdef", 2, 3)
    }'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/sh
carol:x:1002:1002:Carol:/home/carol:/bin/bash
TABLE

echo "== cut, paste, sort keys"
printf '3,cherry,7\n1,apple,12\n2,banana,5\n' | sort -t, -k3,3n | cut -d, -f2
printf '3,cherry,7\n1,apple,12\n2,banana,5\n' | cut -d, -f1,3 | sort | paste -s -d';' -
seq 1 6 | paste - - | tr '\t' '+'
printf 'b\na\nc\na\nb\n' | sort -u | tr '\n' ' '; echo

echo "== grep"
printf 'alpha 1\nbeta 22\ngamma 333\ndelta 4444\n' | grep -E '[0-9]{3,}' | wc -l | tr -d ' '
printf 'alpha 1\nbeta 22\ngamma 333\ndelta 4444\n' | grep -n -v 'a 1' | head -2
printf 'alpha 1\nbeta 22\n' | grep -q nothing; echo "grep -q miss: $?"
printf 'One\ntwo\nTHREE\n' | grep -i -c 't'

echo "== head, tail, tr"
seq 100 | tail -3 | tr '\n' ' '; echo
seq 100 | head -n 2 | tr '\n' ' '; echo
echo 'hello, world' | tr 'a-y' 'b-z'
echo 'aaabbbccc' | tr -s 'abc'
echo 'remove vowels please' | tr -d 'aeiou'
