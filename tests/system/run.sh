#!/bin/bash
# run.sh BUILD — boot each test kernel of tests/system under BUILD/ferry-system and compare
# the serial output (stdout) with tests/system/expected/NAME.out and the exit status with the
# one expected; check how machines end and stop, and the command-line errors. TAP lines, then
# "N passed, N failed".
#
# Every kernel is also booted on qemu-system-x86_64 when it is installed, and its serial output
# and exit status must be ferry's: qemu's -kernel takes Multiboot kernels only, so each ELF64
# kernel NAME.elf (ferry's own long-mode hand-off) has a Multiboot image NAME.mb.elf of the
# same code (tests/system/mb_handoff.c), which ferry boots too. QEMU_SYSTEM names another qemu.
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
SYS=$BUILD/ferry-system
FERRY=$BUILD/ferry
K=$BUILD/system
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# FERRY_WRAPPER (as in tests/run.sh: qemu-aarch64-static for the aarch64 build) runs ferry
# through a program: scripts in $tmp stand in for the two binaries.
if [ -n "$FERRY_WRAPPER" ] && [ -x "$SYS" ]; then
    for b in ferry-system ferry; do
        printf '#!/bin/sh\nexec %s %s "$@"\n' "$FERRY_WRAPPER" "$(realpath "$BUILD/$b")" >"$tmp/$b"
        chmod +x "$tmp/$b"
    done
    SYS=$tmp/ferry-system
    FERRY=$tmp/ferry
fi
n=0; pass=0; fail=0
# Seconds a boot may take: the aarch64 build under qemu-aarch64-static runs --interp a lot
# slower (storm's million-iteration loop), more so on a loaded machine.
LIMIT=60
[ -n "$FERRY_WRAPPER" ] && LIMIT=240

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
    timeout -k 5 $LIMIT "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
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
for k in uart pit_irq rtc traps apic_timer storm paging user; do
    boot "$k --interp" 33 "" $E/$k.out -- "$SYS" --interp -m 64M -kernel "$K/$k.elf"
    boot "$k -singlestep" 33 "" $E/$k.out -- "$SYS" -singlestep -m 64M -kernel "$K/$k.elf"
done
boot "traps under ferry --system" 33 "" $E/traps.out -- "$FERRY" --system -m 64M -kernel "$K/traps.elf"
# -serial none: no host side, the same status.
boot "hello -serial none" 33 "" /dev/null -- "$SYS" -serial none -m 64M -kernel "$K/hello.elf" -append "console=ttyS0 test=hello"

# qemu-system-x86_64 boots the same Multiboot images (the ELF64 kernels' NAME.mb.elf, the mb_*
# kernels): its serial output and exit status must be ferry-system's. -display none, not
# -nographic (which would put qemu's monitor on stdio too); -icount shift=0,sleep=off gives
# qemu ferry's virtual time, one nanosecond per instruction and idle time skipped, so the
# checks that measure time (PIT, APIC timer, TSC) see the same clock (without it TCG's clock
# is the host's, and an APIC timer storm stops qemu making progress).
QEMU=${QEMU_SYSTEM:-$(command -v qemu-system-x86_64)}
# same_as_qemu NAME STATUS ARGS...: ARGS (after -m 64M) for both; ferry's status must be
# STATUS, qemu's the same, and the serial output identical.
same_as_qemu() {
    local name=$1 want=$2; shift 2
    if [ -z "$QEMU" ] || [ ! -x "$QEMU" ]; then
        ok "$name: the same as on qemu-system-x86_64 # SKIP not installed"
        return
    fi
    timeout -k 5 $LIMIT "$SYS" -m 64M "$@" </dev/null >"$tmp/ferry.out" 2>"$tmp/ferry.err"
    local frc=$?
    timeout -k 5 60 "$QEMU" -display none -icount shift=0,sleep=off \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -m 64M "$@" \
        </dev/null >"$tmp/qemu.out" 2>"$tmp/qemu.err"
    local qrc=$?
    if [ "$frc" -eq "$want" ] && [ "$qrc" -eq "$want" ] && cmp -s "$tmp/ferry.out" "$tmp/qemu.out"; then
        ok "$name: the same serial output and status $want as on qemu-system-x86_64"
    else
        not_ok "$name on qemu-system-x86_64" "ferry status $frc, qemu $qrc (want $want)" \
            "$(diff "$tmp/ferry.out" "$tmp/qemu.out" | head -6 | tr '\n' '|')" \
            "$(head -2 "$tmp/ferry.err" "$tmp/qemu.err" | tr '\n' '|')"
    fi
}

# The ELF64 kernels as Multiboot images: ferry's Multiboot path gives the expected output
# too, and qemu the same. Booted with skip=qemu for qemu (lib.h: the checks where QEMU 7.2
# departs from the manuals are left out: traps' non-canonical wrmsr, user's #GP error code of
# an int through a DPL-0 gate, uart's loopback deltas and 16-bit access, storm's 8259 LTIM).
boot "hello (Multiboot image)" 33 "" $E/hello.out -- "$SYS" -m 64M -kernel "$K/hello.mb.elf" \
    -append "console=ttyS0 test=hello"
same_as_qemu "hello (Multiboot image)" 33 -no-reboot -kernel "$K/hello.mb.elf" -append "console=ttyS0 test=hello"
for k in uart pit_irq rtc traps apic_timer storm paging user; do
    boot "$k (Multiboot image)" 33 "" $E/$k.out -- "$SYS" -m 64M -kernel "$K/$k.mb.elf"
    same_as_qemu "$k (Multiboot image)" 33 -no-reboot -kernel "$K/$k.mb.elf" -append "skip=qemu"
done
# stops: how a PC ends. Ferry-only: hlt (qemu waits for ever where ferry ends a machine that
# nothing can wake), physbits and compat3 (ferry's "not supported" stops), wild (QEMU 7.2
# reads unassigned physical memory as zeros, a PC as all ones), ssemmio (a 16-byte access to
# the APIC is undefined on hardware, SDM vol. 3 10.4.1; QEMU answers each 4 bytes with the
# register), apicmove (QEMU's TCG APIC does not move with IA32_APIC_BASE).
for t in far noncanon cr3 triple reset; do
    same_as_qemu "stops test=$t (-no-reboot)" 0 -no-reboot -kernel "$K/stops.mb.elf" -append "test=$t"
done
same_as_qemu "stops test=reboot (boots twice)" 33 -kernel "$K/stops.mb.elf" -append "test=reboot"

# Multiboot kernels: the expected output under ferry-system, and the same under qemu.
printf 'first module\nsecond line\n' >"$tmp/mod1"
printf 'another one' >"$tmp/mod2"
mb_boot() {    # NAME EXPECTED ARGS...: ARGS after -m 64M for both
    local name=$1 exp=$2; shift 2
    boot "$name" 33 "" "$exp" -- "$SYS" -m 64M "$@"
    same_as_qemu "$name" 33 -no-reboot "$@"
}
mb_boot "mb_hello (32-bit ELF32)" $E/mb_hello.out -kernel "$K/mb_hello.elf" -append "console=ttyS0 test=mb"
mb_boot "mb_hello with modules" $E/mb_hello-mods.out -kernel "$K/mb_hello.elf" \
    -initrd "$tmp/mod1 arg one,$tmp/mod2"
mb_boot "mb_traps (32-bit exceptions, timer)" $E/mb_traps.out -kernel "$K/mb_traps.elf"
mb_boot "mb_ring3_32 (32-bit ring 3, TSS, int 0x80, sysenter)" $E/mb_ring3_32.out -kernel "$K/mb_ring3_32.elf"
mb_boot "mb_long (ELF64 a.out kludge, to long mode, timer)" $E/mb_long.out -kernel "$K/mb_long.elf" -append "x=1"
# Without the a.out kludge: ferry loads the ELF64 file's program headers, QEMU refuses it.
boot "mb_long_elf (ELF64 Multiboot, no a.out kludge)" 33 "" $E/mb_long.out -- \
    "$SYS" -m 64M -kernel "$K/mb_long_elf.elf" -append "x=1"
if [ -n "$QEMU" ] && [ -x "$QEMU" ]; then
    timeout -k 5 60 "$QEMU" -display none -no-reboot -serial stdio -m 64M \
        -kernel "$K/mb_long_elf.elf" </dev/null >/dev/null 2>"$tmp/qemu.err"
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "Cannot load x86-64 image" "$tmp/qemu.err"; then
        ok "mb_long_elf on qemu-system-x86_64: refused (it takes ELF32 or the a.out kludge)"
    else
        not_ok "mb_long_elf on qemu-system-x86_64" "status $rc" "$(head -2 "$tmp/qemu.err")"
    fi
fi
for mode in --interp -singlestep; do
    boot "mb_hello $mode" 33 "" $E/mb_hello.out -- "$SYS" $mode -m 64M -kernel "$K/mb_hello.elf" -append "console=ttyS0 test=mb"
    boot "mb_traps $mode" 33 "" $E/mb_traps.out -- "$SYS" $mode -m 64M -kernel "$K/mb_traps.elf"
    boot "mb_ring3_32 $mode" 33 "" $E/mb_ring3_32.out -- "$SYS" $mode -m 64M -kernel "$K/mb_ring3_32.elf"
    boot "mb_long $mode" 33 "" $E/mb_long.out -- "$SYS" $mode -m 64M -kernel "$K/mb_long.elf" -append "x=1"
    boot "mb_long_elf $mode" 33 "" $E/mb_long.out -- "$SYS" $mode -m 64M -kernel "$K/mb_long_elf.elf" -append "x=1"
done

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
stop compat3 2 "iretq to a compatibility-mode code segment at privilege level 3: not supported yet"
boot "mb_hello test=code16 (refused)" 2 "16-bit code segment: 16-bit code is not supported" \
    $E/mb_hello-code16.out -- "$SYS" -m 64M -kernel "$K/mb_hello.elf" -append "test=code16"
boot "mb_hello test=ldt (refused)" 2 "selector into an LDT" \
    $E/mb_hello-ldt.out -- "$SYS" -m 64M -kernel "$K/mb_hello.elf" -append "test=ldt"
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
head -c 4194304 /dev/zero >"$tmp/big"
printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\003\000' >"$tmp/elf32"
printf 'not a kernel\n' >"$tmp/text"
printf '\002\260\255\033\010\000\000\000\366\117\122\344' >"$tmp/mb_feature"   # flags 0x8
printf '\002\260\255\033\000\000\000\000\376\117\122\344' >"$tmp/mb_raw"       # flags 0
head -c 40 "$K/hello.elf" >"$tmp/truncated"
usage_error "no -kernel" "no -kernel" "$SYS" -m 64M
usage_error "missing kernel file" "No such file" "$SYS" -kernel "$tmp/none"
usage_error "not an ELF file" "not an ELF64" "$SYS" -kernel "$tmp/text"
usage_error "32-bit ELF kernel" "32-bit ELF kernel" "$SYS" -kernel "$tmp/elf32"
usage_error "truncated ELF header" "truncated" "$SYS" -kernel "$tmp/truncated"
usage_error "Multiboot: a required feature" "requires features ferry does not have" "$SYS" -kernel "$tmp/mb_feature"
usage_error "Multiboot: not ELF, no a.out kludge" "needs the a.out kludge" "$SYS" -kernel "$tmp/mb_raw"
usage_error "Multiboot: a missing module" "No such file" "$SYS" -kernel "$K/mb_hello.elf" -initrd "$tmp/none"
usage_error "Multiboot: a module too big for RAM" "does not fit in RAM" \
    "$SYS" -m 4M -kernel "$K/mb_hello.elf" -initrd "$tmp/big"
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
usage_error "initrd too big for RAM" "does not fit in RAM" \
    "$SYS" -m 4M -kernel "$K/rtc.elf" -initrd "$tmp/big"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
