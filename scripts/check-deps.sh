#!/bin/sh
# check-deps.sh — enforce the include rule of DESIGN.md section 2: which module may include
# which. Prints each offending #include and exits 1 if there is one.
cd "$(dirname "$0")/.." || exit 2
status=0
# allowed MODULE "space-separated modules it may include from"
check() {
    mod=$1; allowed=$2
    [ -d "$mod" ] || return 0
    for f in $(find "$mod" -name '*.[ch]'); do
        grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
            inc=$(printf '%s\n' "$line" | sed -E 's/.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/')
            case "$inc" in
                */*) top=${inc%%/*} ;;
                *) continue ;;      # same-folder include
            esac
            ok=0
            for a in $mod $allowed; do [ "$top" = "$a" ] && ok=1; done
            if [ $ok = 0 ]; then
                echo "check-deps: $f: ${line#*:} ($mod may not include $top/)"
                echo x >> "$tmp"
            fi
        done
    done
}
tmp=$(mktemp)
check ir ""
check frontend-x86 "ir"
check backend-x86_64 "ir"
check backend-aarch64 "ir"
check runtime "ir frontend-x86 backend-x86_64 backend-aarch64 devices"
check devices "runtime"
check bench "ir frontend-x86 backend-x86_64 backend-aarch64 runtime"
[ -s "$tmp" ] && status=1
rm -f "$tmp"
[ $status = 0 ] && echo "check-deps: ok"
exit $status
