#!/bin/bash
# make_rules.sh [MAKEFILE] — the Makefile's archive rules in a scratch tree (TAP lines): a new
# source file older than its module's archive is still built into it, a removed one leaves
# it, and a second make rebuilds nothing. The tree holds the Makefile and one-line modules,
# so this takes a second and never touches the real build.
cd "$(dirname "$0")/../.." || exit 2
MK=${1:-Makefile}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok()     { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check()  { if eval "$2"; then ok "$1"; else not_ok "$1" "members: $(members | tr '\n' ' ')"; fi; }

mkdir -p "$tmp/tests/system" "$tmp/ir" "$tmp/frontend-x86" "$tmp/backend-x86_64" "$tmp/runtime" \
         "$tmp/devices"
cp "$MK" "$tmp/Makefile"
cp tests/system/system.mk "$tmp/tests/system/"
for m in ir frontend-x86 backend-x86_64 devices; do echo "int m_$RANDOM(void);" >"$tmp/$m/m.c"; done
echo 'int rt_a(void) { return 1; }' >"$tmp/runtime/a.c"
lib=b/lib/libruntime.a
build()   { make -s -C "$tmp" BUILD=b $lib >"$tmp/make.log" 2>&1; }
members() { ar t "$tmp/$lib" 2>/dev/null; }

build
check "the archive holds its module's objects" 'members | grep -qx a.o'
# A file that arrives with an old time stamp (a checkout, cp -p, a merge of an old commit).
echo 'int rt_b(void) { return 2; }' >"$tmp/runtime/b.c"
touch -d '1 hour ago' "$tmp/runtime/b.c"
build
check "a new source older than the archive is built into it" 'members | grep -qx b.o'
rm "$tmp/runtime/a.c"
build
check "a removed source leaves the archive" '! members | grep -qx a.o && members | grep -qx b.o'
before=$(stat -c %y "$tmp/$lib")
sleep 1
build
after=$(stat -c %y "$tmp/$lib")
check "a make with nothing changed leaves the archive alone" '[ "$before" = "$after" ]'
