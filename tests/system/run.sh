#!/bin/bash
# run.sh BUILD — boot each test kernel of tests/system under BUILD/ferry-system and compare
# the serial output (stdout) with tests/system/expected/NAME.out and the exit status with the
# one expected; check how machines end and stop, and the command-line errors. TAP lines, then
# "N passed, N failed".
#
# qemu-system-x86_64 cannot boot these kernels: its -kernel takes Multiboot (32-bit) or Linux
# images, not ELF64 ones entered in long mode. When ferry-system boots Multiboot kernels too,
# each kernel here is also to be booted with
#     qemu-system-x86_64 -nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
# when that program is installed, and the two outputs and statuses compared.
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
SYS=$BUILD/ferry-system
K=$BUILD/system
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0; pass=0; fail=0

ok()     { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

if [ ! -x "$SYS" ]; then
    not_ok "ferry-system exists" "$SYS is missing"
    echo "$pass passed, $fail failed"
    exit 1
fi

# boot NAME STATUS STDERR_REGEX EXPECTED -- COMMAND...: run COMMAND (stdin /dev/null); its
# stdout must equal the file EXPECTED, its status be STATUS, its stderr match STDERR_REGEX
# (empty: stderr must be empty).
boot() {
    local name=$1 want=$2 err=$3 exp=$4; shift 5
    timeout -k 5 60 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    local why=()
    [ "$rc" -eq "$want" ] || why+=("exit status $rc, expected $want")
    cmp -s "$exp" "$tmp/out" || why+=("serial output differs: $(diff "$exp" "$tmp/out" | head -6 | tr '\n' '|')")
    if [ -z "$err" ]; then
        [ -s "$tmp/err" ] && why+=("unexpected stderr: $(head -3 "$tmp/err" | tr '\n' '|')")
    else
        grep -qE "$err" "$tmp/err" || why+=("stderr does not match /$err/: $(head -3 "$tmp/err" | tr '\n' '|')")
    fi
    if [ ${#why[@]} -eq 0 ]; then
        ok "$name: status $want, serial output as expected${err:+, '$err'}"
    else
        not_ok "$name" "$*" "${why[@]}"
    fi
}
E=tests/system/expected

# The kernels, each ending through isa-debug-exit with 0x10 (status 33) when its checks pass.
boot hello 33 "" $E/hello.out -- "$SYS" -m 64M -kernel "$K/hello.elf" -append "console=ttyS0 test=hello"
for k in uart pit_irq rtc traps apic_timer storm paging user; do
    boot "$k" 33 "" $E/$k.out -- "$SYS" -m 64M -kernel "$K/$k.elf"
done
boot "stops test=reboot (boots twice)" 33 "" $E/stops-reboot.out -- "$SYS" -kernel "$K/stops.elf" -append "test=reboot"

# The same through the reference interpreter, one instruction per block, `ferry --system`.
boot "pit_irq --interp" 33 "" $E/pit_irq.out -- "$SYS" --interp -m 64M -kernel "$K/pit_irq.elf"
boot "uart -singlestep" 33 "" $E/uart.out -- "$SYS" -singlestep -m 64M -kernel "$K/uart.elf"
boot "pit_irq -singlestep" 33 "" $E/pit_irq.out -- "$SYS" -singlestep -m 64M -kernel "$K/pit_irq.elf"
for k in apic_timer storm paging user; do
    boot "$k --interp" 33 "" $E/$k.out -- "$SYS" --interp -m 64M -kernel "$K/$k.elf"
    boot "$k -singlestep" 33 "" $E/$k.out -- "$SYS" -singlestep -m 64M -kernel "$K/$k.elf"
done
boot "traps under ferry --system" 33 "" $E/traps.out -- "$BUILD/ferry" --system -m 64M -kernel "$K/traps.elf"
# -serial none: no host side, the same status.
boot "hello -serial none" 33 "" /dev/null -- "$SYS" -serial none -m 64M -kernel "$K/hello.elf" -append "console=ttyS0 test=hello"

# How machines end and stop: one line on stderr each (none for a reset under -no-reboot).
stop() {    # TEST STATUS REGEX [FLAGS...]
    local t=$1 want=$2 err=$3; shift 3
    printf 'stops test: %s\n' "$t" >"$tmp/stop.exp"
    boot "stops test=$t" "$want" "$err" "$tmp/stop.exp" -- "$SYS" "$@" -kernel "$K/stops.elf" -append "test=$t"
}
stop hlt 0 "halted with interrupts disabled.*machine stopped"
# Physical addresses no device claims read all ones and ignore writes, as on a PC.
printf 'stops test: wild\nunassigned memory reads all ones\n' >"$tmp/wild.exp"
boot "stops test=wild (unassigned memory)" 33 "" "$tmp/wild.exp" -- "$SYS" -kernel "$K/stops.elf" -append "test=wild"
for mode in "" --interp -singlestep; do
    printf 'stops test: ssemmio\nthe APIC version register through movdqu\n' >"$tmp/sse.exp"
    boot "stops test=ssemmio (SSE load from the APIC)${mode:+ $mode}" 33 "" "$tmp/sse.exp" -- "$SYS" $mode -kernel "$K/stops.elf" -append "test=ssemmio"
    printf 'stops test: apicmove\nthe APIC answers where IA32_APIC_BASE puts it\n' >"$tmp/move.exp"
    boot "stops test=apicmove (xAPIC page moved)${mode:+ $mode}" 33 "" "$tmp/move.exp" -- "$SYS" $mode -kernel "$K/stops.elf" -append "test=apicmove"
done
stop physbits 2 "physical 0x4000000000000, beyond the 48-bit physical address space"
stop far 0 "triple fault \\(vector 0x0e.*-no-reboot" -no-reboot
stop noncanon 0 "triple fault \\(vector 0x0d.*-no-reboot" -no-reboot
stop cr3 0 "triple fault \\(vector 0x0e.*-no-reboot" -no-reboot
stop triple 0 "triple fault.*-no-reboot" -no-reboot
stop reset 0 "" -no-reboot

# Command-line and start-up errors: one line "ferry-system: ...", exit status 1.
usage_error() {    # NAME REGEX COMMAND...
    local name=$1 re=$2; shift 2
    "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    local rc=$? lines
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] && grep -qE "^ferry-system: .*$re" "$tmp/err" && [ ! -s "$tmp/out" ]; then
        ok "error: $name"
    else
        not_ok "error: $name" "status $rc, $lines stderr lines" "$(head -3 "$tmp/err")"
    fi
}
printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\003\000' >"$tmp/elf32"
printf 'not a kernel\n' >"$tmp/text"
head -c 40 "$K/hello.elf" >"$tmp/truncated"
usage_error "no -kernel" "no -kernel" "$SYS" -m 64M
usage_error "missing kernel file" "No such file" "$SYS" -kernel "$tmp/none"
usage_error "not an ELF file" "not an ELF64" "$SYS" -kernel "$tmp/text"
usage_error "32-bit ELF kernel" "32-bit ELF kernel" "$SYS" -kernel "$tmp/elf32"
usage_error "truncated ELF header" "truncated" "$SYS" -kernel "$tmp/truncated"
usage_error "unknown flag" "unknown option '-frobnicate'" "$SYS" -frobnicate -kernel "$K/hello.elf"
usage_error "flag without value" "needs a value" "$SYS" -kernel
usage_error "-smp 2" "only one CPU" "$SYS" -smp 2 -kernel "$K/hello.elf"
usage_error "-m garbage" "not a size" "$SYS" -m lots -kernel "$K/hello.elf"
usage_error "-m too small" "at least 4M" "$SYS" -m 1M -kernel "$K/hello.elf"
usage_error "-m too large" "at most 64G" "$SYS" -m 100G -kernel "$K/hello.elf"
usage_error "-serial file" "only stdio and none" "$SYS" -serial file:x -kernel "$K/hello.elf"
usage_error "disk image" "disk images are not supported" "$SYS" disk.img
# A 2 GB address-space limit refuses 4 GiB of RAM (unless the build cannot run under it at
# all, as a sanitizer build with its shadow memory cannot).
{ bash -c "ulimit -v 2000000; exec '$SYS' -m 64M -serial none -kernel '$K/hello.elf'" </dev/null >/dev/null; } 2>/dev/null
if [ $? -eq 33 ]; then
    usage_error "RAM the host cannot give" "cannot allocate 4096 MiB of guest RAM" \
        bash -c "ulimit -v 2000000; exec '$SYS' -m 4G -kernel '$K/hello.elf'"
else
    ok "error: RAM the host cannot give # SKIP this build does not run under ulimit -v"
fi
head -c 4194304 /dev/zero >"$tmp/big"
usage_error "initrd too big for RAM" "does not fit in RAM" \
    "$SYS" -m 4M -kernel "$K/rtc.elf" -initrd "$tmp/big"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
