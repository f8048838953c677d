# file_ops.sh — file operations in a temporary directory: mkdir -p, redirections, cp, mv, ln,
# rm, find, chmod and test, ls, wc/cmp/diff of files, cat of many files, dd, tar and gzip.
# Only names, sizes and contents are printed (nothing that differs between runs).
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1

mkdir -p a/b/c a/x
for i in 1 2 3 4 5; do seq $i > "a/b/c/f$i"; done
echo "first" > a/x/log; echo "second" >> a/x/log
printf 'no newline' > a/nonl
: > a/empty

echo "== find"
find . -type f | sort
find . -type d | sort | tr '\n' ' '; echo
find . -name 'f[2-4]' | sort | tr '\n' ' '; echo
find . -type f -size 0 | sort

echo "== sizes and contents"
wc -c a/b/c/f5 a/nonl a/empty | sort
cat a/b/c/f* | sort -n | uniq -c | tr -s ' ' | tr '\n' ';'; echo
cat a/x/log
[ -s a/empty ] && echo "empty has data" || echo "empty is empty"

echo "== cp, mv, ln, rm"
cp -r a copy
cmp a/b/c/f3 copy/b/c/f3 && echo "cp -r: same"
mv copy/b/c/f1 copy/moved
ls copy/b/c | tr '\n' ' '; echo
ln -s ../a/x/log copy/link
cat copy/link
[ -L copy/link ] && echo "symlink ok"
ln a/x/log hard
echo "third" >> hard
wc -l < a/x/log | tr -d ' '
rm copy/b/c/f2 hard
ls copy/b/c | tr '\n' ' '; echo
rm -r copy; [ -e copy ] || echo "copy removed"

echo "== permissions and tests"
printf '#!/bin/sh\necho "script ran with $1"\n' > run.sh
[ -x run.sh ] && echo "executable already" || echo "not executable"
chmod 755 run.sh
[ -x run.sh ] && ./run.sh arg
chmod 400 a/x/log
ls -l a/x/log | cut -c1-10
[ -d a/b ] && [ ! -f a/b ] && echo "dir tests ok"
[ a/b/c/f1 -ot a/b/c/f1 ] || echo "not older than itself"

echo "== diff, dd, redirections"
printf '1\n2\n3\n' > one; printf '1\n3\n3\n' > two
diff one two > /dev/null; echo "diff status $?"
cmp -s one one; echo "cmp same $?"
dd if=a/b/c/f5 of=dd.out bs=2 count=3 2>/dev/null; od -c dd.out | head -1
exec 3> fd3.txt; echo "via fd 3" >&3; exec 3>&-; cat fd3.txt
{ echo out; echo err >&2; } > both.txt 2>&1; sort both.txt | tr '\n' ' '; echo
echo "== archives"
tar cf arch.tar a && tar tf arch.tar | sort | tr '\n' ' '; echo
mkdir unpacked && (cd unpacked && tar xf ../arch.tar) && diff -r a unpacked/a && echo "tar round trip"
seq 1 20000 > big; gzip -c big > big.gz && gzip -dc big.gz | cmp - big && echo "gzip round trip"
[ "$(wc -c < big.gz)" -lt "$(wc -c < big)" ] && echo "gzip compressed"
ls /nonexistent-ferry-path 2>/dev/null; echo "ls missing: $?"
echo "done"
