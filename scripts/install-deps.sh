#!/bin/sh
# install-deps.sh — make sure the Debian packages ferry builds and tests with are installed.
# As root, missing packages are installed with apt-get; otherwise the missing ones are listed
# with the command to install them, and the script fails.
PKGS="build-essential pkg-config libcapstone-dev libelf-dev libxxhash-dev libcmocka-dev musl-tools
clang gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static qemu-user valgrind"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
        echo "install-deps: apt-get failed" >&2; exit 1; }
else
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi
