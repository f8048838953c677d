#!/bin/bash
# run.sh BUILD — run every guest program in BUILD/guest natively and under BUILD/ferry, and
# compare stdout and exit status (stderr is not compared: ferry may log there). Also checks the
# user-visible behaviours of the command line (-strace, -d, bad input). Prints TAP lines.
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
FERRY=$BUILD/ferry
# FERRY_WRAPPER: the command that runs BUILD/ferry on this machine (e.g. qemu-aarch64-static);
# ferry then starts the ferry of a guest's execve through it too (--exec-wrapper), since an
# emulator without binfmt_misc cannot run a foreign binary that a program it runs execs.
# FERRY_GUEST_DIR: where the guest programs are (default BUILD/guest: the aarch64 suite in
# `make test` uses build/guest's); FERRY_GUEST_VARIANTS: only the programs with these
# suffixes (e.g. "gcc-O2 musl-O2"), default all.
if [ -n "$FERRY_WRAPPER" ]; then
    FERRY_CMD=($FERRY_WRAPPER "$FERRY" --exec-wrapper "$(command -v $FERRY_WRAPPER)")
else
    FERRY_CMD=("$FERRY")
fi
GUEST_DIR=${FERRY_GUEST_DIR:-$BUILD/guest}
# Programs that meet a limit of the emulator in FERRY_WRAPPER, not of ferry: each line of
# tests/guest/<wrapper>.skip is "NAME REASON" (NAME without the variant suffix); they are
# reported as skipped, with the reason, when that wrapper runs ferry.
skip_file=tests/guest/$(basename "${FERRY_WRAPPER%% *}").skip
skip_reason() {     # program name (with suffix) -> reason, or nothing
    [ -n "$FERRY_WRAPPER" ] && [ -f "$skip_file" ] || return 0
    awk -v n="${1%.*}" '$1 == n { $1 = ""; sub(/^ /, ""); print; exit }' "$skip_file"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0

ok()     { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# The same environment and arguments for both runs, so the guest sees the same initial stack.
# GLIBC_TUNABLES hides from glibc the host features that ferry's CPUID does not offer, so its
# ifuncs pick the same libm variants natively as under ferry (the FMA versions of log2, pow
# and friends round differently in the directed rounding modes).
GUEST_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,-FMA4,-F16C,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ
run_env() { env -i FERRY_TEST_A=1 FERRY_TEST_B=two PATH=/usr/bin:/bin GLIBC_TUNABLES=$GUEST_TUNABLES "$@"; }

# same_as_native NAME LIMIT [FERRY-OPTION...] -- PROGRAM [ARG...]: the program natively and
# under ferry (with those options; killed after LIMIT seconds), same stdout and exit status.
same_as_native() {
    local name=$1 limit=$2; shift 2
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    run_env timeout 60 "$@" </dev/null >"$tmp/native.out" 2>/dev/null; local nrc=$?
    run_env timeout -k 10 "$limit" "${FERRY_CMD[@]}" "${opts[@]}" "$@" </dev/null \
        >"$tmp/ferry.out" 2>"$tmp/ferry.err"; local frc=$?
    if [ $nrc -eq $frc ] && cmp -s "$tmp/native.out" "$tmp/ferry.out"; then
        ok "$name: same output and exit status ($nrc) as native"
    else
        not_ok "$name: differs from native" "exit status native=$nrc ferry=$frc" \
            "$(diff "$tmp/native.out" "$tmp/ferry.out" | head -8)" "$(head -5 "$tmp/ferry.err")"
    fi
}

if [ ! -x "$FERRY" ]; then
    not_ok "ferry binary exists" "$FERRY is missing"
    exit 1
fi

for prog in "$GUEST_DIR"/*; do
    [ -x "$prog" ] || continue
    name=$(basename "$prog")
    if [ -n "$FERRY_GUEST_VARIANTS" ]; then
        case " $FERRY_GUEST_VARIANTS " in *" ${name##*.} "*) ;; *) continue ;; esac
    fi
    why=$(skip_reason "$name")
    if [ -n "$why" ]; then
        n=$((n + 1)); echo "ok $n - $name # SKIP $why"; continue
    fi
    same_as_native "$name" 60 -- "$prog" alpha "beta gamma"
done

# -strace shows every call with its result, ENOSYS included.
prog=$GUEST_DIR/syscall_errors.gcc-O2
if [ -x "$prog" ]; then
    "${FERRY_CMD[@]}" -strace "$prog" </dev/null >/dev/null 2>"$tmp/strace.err"
    if grep -qE '1000\(.*\) = -1 ENOSYS' "$tmp/strace.err" && grep -qE 'write\(1, .*\) = [0-9]+' "$tmp/strace.err" \
       && grep -qE 'exit_group\(0\)' "$tmp/strace.err"; then
        ok "-strace prints calls, results and ENOSYS"
    else
        not_ok "-strace prints calls, results and ENOSYS" "$(head -20 "$tmp/strace.err")"
    fi
fi

# --interp (the reference interpreter): guest faults reach the guest's handlers with the state
# exact, as in generated code (runtime/fault.c interp_state): the programs whose output checks
# registers, flags and si_addr at faults, traps and self-modifying stores, at -O0 and -O2.
for base in sig_segv sig_helper_fault sig_ucontext sig_handler sig_traps sig_altstack sig_mask \
            mem_guard alu_div_fault illegal_insn tier_hot smc_block smc_jit stack_window; do
    for v in gcc-O0 gcc-O2; do
        prog=$GUEST_DIR/$base.$v
        [ -x "$prog" ] || continue
        if [ -n "$FERRY_GUEST_VARIANTS" ]; then
            case " $FERRY_GUEST_VARIANTS " in *" $v "*) ;; *) continue ;; esac
        fi
        why=$(skip_reason "$base.$v")
        if [ -n "$why" ]; then
            n=$((n + 1)); echo "ok $n - --interp $base.$v # SKIP $why"; continue
        fi
        same_as_native "--interp $base.$v" 60 --interp -- "$prog"
    done
done

# Two tiers (runtime/translate.c): tier_hot's blocks turn hot and are translated again while
# it runs (its output, faults in both tiers included, was compared above); -d stats reports
# both tiers, and -singlestep (one tier) prints the same.
prog=$GUEST_DIR/tier_hot.gcc-O2
if [ -x "$prog" ]; then
    "${FERRY_CMD[@]}" -d stats "$prog" >"$tmp/tier.out" 2>"$tmp/tier.err"
    "$prog" >"$tmp/tier.native" 2>/dev/null
    "${FERRY_CMD[@]}" -singlestep "$prog" >"$tmp/tier.ss" 2>/dev/null
    if grep -qE 'hot tier blocks +[1-9]' "$tmp/tier.err" &&
       grep -qE 'cold tier blocks +[1-9]' "$tmp/tier.err" &&
       cmp -s "$tmp/tier.out" "$tmp/tier.native" && cmp -s "$tmp/tier.ss" "$tmp/tier.native"; then
        ok "tiers: hot blocks retranslated, same output (and under -singlestep)"
    else
        not_ok "tiers: hot blocks retranslated, same output (and under -singlestep)" \
            "$(grep tier "$tmp/tier.err")" "$(diff "$tmp/tier.native" "$tmp/tier.out")" \
            "$(diff "$tmp/tier.native" "$tmp/tier.ss")"
    fi
fi

# -d in_asm,ir,out_asm show guest disassembly, IR and host disassembly.
prog=$GUEST_DIR/hello.gcc-O2
if [ -x "$prog" ]; then
    "${FERRY_CMD[@]}" -d in_asm,ir,out_asm "$prog" >/dev/null 2>"$tmp/d.err"
    if grep -qiE 'syscall' "$tmp/d.err" && grep -qE '= (get|const)\.i64' "$tmp/d.err" && grep -qE '\b(mov|jmp)\b' "$tmp/d.err"; then
        ok "-d in_asm,ir,out_asm logs guest code, IR and host code"
    else
        not_ok "-d in_asm,ir,out_asm logs guest code, IR and host code" "$(head -20 "$tmp/d.err")"
    fi
    if "${FERRY_CMD[@]}" --interp "$prog" 2>/dev/null | grep -q 'Hello from ferry'; then
        ok "--interp runs hello through the reference interpreter"
    else
        not_ok "--interp runs hello through the reference interpreter"
    fi
fi

# -tso (runtime/memorder.c): a bad mode is a usage error; on an aarch64 host, auto keeps the
# memory order off for a single-threaded guest and turns it on (one flush) at its second
# thread, which then still runs correctly.
"${FERRY_CMD[@]}" -tso sometimes "$GUEST_DIR/hello.gcc-O2" >/dev/null 2>"$tmp/tso.err"; rc=$?
if [ $rc -eq 1 ] && grep -q "tso needs auto, on or off" "$tmp/tso.err"; then ok "-tso with a bad mode: usage error"
else not_ok "-tso with a bad mode: usage error" "rc=$rc $(cat "$tmp/tso.err")"; fi
if "${FERRY_CMD[@]}" --version | grep -q aarch64 && [ -x "$GUEST_DIR/threads_tso.gcc-O2" ]; then
    "${FERRY_CMD[@]}" -d stats "$GUEST_DIR/hello.gcc-O2" >/dev/null 2>"$tmp/tso1.err"
    "${FERRY_CMD[@]}" -d stats "$GUEST_DIR/threads_tso.gcc-O2" >"$tmp/tso2.out" 2>"$tmp/tso2.err"; rc=$?
    if grep -q "TSO memory order *auto, off now" "$tmp/tso1.err" && [ $rc -eq 0 ] &&
       grep -q "TSO memory order on (a second thread): code cache flushed" "$tmp/tso2.err" &&
       grep -q "TSO memory order *auto, on now" "$tmp/tso2.err" && grep -q "0 stale" "$tmp/tso2.out"; then
        ok "-tso auto: off for one thread, on from the second (aarch64)"
    else
        not_ok "-tso auto: off for one thread, on from the second (aarch64)" \
            "$(grep TSO "$tmp/tso1.err" "$tmp/tso2.err")" "rc=$rc $(cat "$tmp/tso2.out")"
    fi
fi

# Host programs: dynamic executables (ld.so, libc.so.6 mapped by the guest), and processes
# (fork, execve re-running ferry, pipes, wait) through the shell. Same stdout and status.
# The time limit only catches a hang: under an emulator (FERRY_WRAPPER) ferry translating
# python's start-up (tens of thousands of blocks) takes 15-40 s on a loaded 2-core box, so it
# gets three times the native limit there.
host_limit=60
[ -n "$FERRY_WRAPPER" ] && host_limit=180
same_as_native "/bin/echo hello" $host_limit -- /bin/echo hello
same_as_native "/bin/sh -c 'echo a | tr a b'" $host_limit -- /bin/sh -c 'echo a | tr a b'
same_as_native "/bin/sh: exit status and death by signal of children" $host_limit -- \
    /bin/sh -c '(exit 3); echo $?; sh -c "kill -USR1 \$\$"; echo $?; /nonexistent-cmd 2>/dev/null; echo $?'
same_as_native "/usr/bin/ls /" $host_limit -- /usr/bin/ls /
if [ -x /usr/bin/python3 ]; then
    same_as_native "python3 -c 'print(6*7)'" $host_limit -- /usr/bin/python3 -c 'print(6*7)'
    same_as_native "python3 subprocess" $host_limit -- /usr/bin/python3 -c \
        'import subprocess; print(subprocess.run(["/bin/echo", "sub"], capture_output=True).stdout)'
else
    n=$((n + 1)); echo "ok $n - python3 -c 'print(6*7)' # SKIP no /usr/bin/python3"
fi

# execve keeps ferry's options: -strace lines of the new program reach the same -D file.
"${FERRY_CMD[@]}" -strace -D "$tmp/exec.log" /bin/sh -c '/bin/echo from-child' >"$tmp/exec.out" 2>/dev/null
if grep -q 'from-child' "$tmp/exec.out" && grep -qE 'execve\("/bin/echo", .*\) = 0' "$tmp/exec.log" \
   && grep -qE 'write\(1, "from-child' "$tmp/exec.log"; then
    ok "execve: the new program runs under ferry with the same -strace and -D"
else
    not_ok "execve: the new program runs under ferry with the same -strace and -D" \
        "$(cat "$tmp/exec.out")" "$(grep -E 'execve|write' "$tmp/exec.log" | head -5)"
fi

# Bad input: clear error, exit status 127 / 126, nothing run.
"${FERRY_CMD[@]}" "$tmp/does-not-exist" >/dev/null 2>"$tmp/e1"; rc=$?
if [ $rc -eq 127 ] && grep -q 'does-not-exist' "$tmp/e1"; then ok "missing program: exit 127 with a message"
else not_ok "missing program: exit 127 with a message" "rc=$rc $(cat "$tmp/e1")"; fi
echo "just text" >"$tmp/text"; chmod +x "$tmp/text"
"${FERRY_CMD[@]}" "$tmp/text" >/dev/null 2>"$tmp/e2"; rc=$?
if [ $rc -eq 126 ] && [ "$(wc -l <"$tmp/e2")" -eq 1 ]; then ok "non-ELF program: exit 126 with one line"
else not_ok "non-ELF program: exit 126 with one line" "rc=$rc $(cat "$tmp/e2")"; fi
