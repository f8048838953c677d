#!/bin/sh
# install-deps.sh — make sure the Debian packages ferry builds and tests with are installed.
# As root, missing packages are installed with apt-get; otherwise the missing ones are listed
# with the command to install them, and the script fails. The aarch64 build (make HOST=aarch64)
# links the arm64 builds of the libraries, from Debian multiarch: the arm64 architecture is
# added to dpkg first when it is not there yet. With everything present it only queries dpkg.
PKGS="build-essential pkg-config libcapstone-dev libelf-dev libxxhash-dev libcmocka-dev musl-tools
clang gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static qemu-user valgrind
busybox-static bash-static qemu-system-x86
libc6:arm64 libcapstone-dev:arm64 libelf-dev:arm64 libxxhash-dev:arm64 libcmocka-dev:arm64"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    case "$missing" in
        *:arm64*)
            dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64 || {
                echo "install-deps: dpkg --add-architecture arm64 failed" >&2; exit 1; } ;;
    esac
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
        echo "install-deps: apt-get failed" >&2; exit 1; }
else
    echo "install-deps: missing packages:$missing" >&2
    case "$missing" in
        *:arm64*) echo "install-deps: run as root, or: sudo dpkg --add-architecture arm64 &&" \
                       "sudo apt-get update && sudo apt-get install$missing" >&2 ;;
        *) echo "install-deps: run as root, or: sudo apt-get install$missing" >&2 ;;
    esac
    exit 1
fi
