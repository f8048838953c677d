#!/usr/bin/env python3
"""a64-expansion.py - the aarch64 backend's static expansion broken down by kind of code.

Usage:
    qemu-aarch64-static build-aarch64/ferry -d out_asm,stats PROG > out.txt 2>&1
    scripts/a64-expansion.py out.txt

Reads the `-d out_asm` listing (and the `-d stats` guest instruction count, when present)
and counts every host instruction of every block into one kind, so an optimisation can
start with the biggest: exits (the BL of the shared exit routine, which is the patch site
of a direct exit, the interrupt check's copy of it, the jump-cache probe's branches),
the lazy flags stored at exits (X86State cc_op..cc_res, --flag-offsets), the guest-limit
checks (lsr x16 + the probe load ldrb/ldrsb wzr, [x18, x16]; a listing from before the
probe: lsr + cbnz, and the out-of-line stubs from the first stub's address computation to
the sentinel touch through x18, at the end of each block), constants, moves, spills,
other state accesses, guest memory accesses, compares, branches, barriers and the rest
(alu). Data inside the code (each exit's word and pc after its BL, `(data)` lines) is no
instruction and not counted. A classification by pattern: good for finding where the
instructions go, not exact.
"""
import argparse
import collections
import re

INSN = re.compile(r'0x[0-9a-f]+:\s+(?:[0-9a-f]{2} ){4}\s+(\S+)\s*(.*)')


def stub_start(block):
    """Index of the first limit-check stub instruction (they end the block's code)."""
    for i in range(len(block) - 1):
        m, o = block[i]
        nm, no = block[i + 1]
        if m == 'str' and '[x28' in o and nm in ('ldrb', 'strb') and '[x18]' in no:
            j = i
            while j > 0 and (block[j - 1][0] in ('cbz', 'lsr') and block[j - 1][1].startswith('x17')
                             or block[j - 1][0] in ('add', 'sub')
                             and block[j - 1][1].startswith('x16')):
                j -= 1
            return j
    return len(block)


def classify(block, flag_lo, flag_hi):
    first_stub = stub_start(block)
    out = []
    for i, (m, o) in enumerate(block):
        nxt = block[i + 1] if i + 1 < len(block) else ('', '')
        prev = block[i - 1] if i else ('', '')
        if i >= first_stub:
            k = 'limit_stub'
        elif (m == 'lsr' and o.startswith('x16,') and nxt[0] in ('ldrb', 'ldrsb')
              and nxt[1] == 'wzr, [x18, x16]') or (m in ('ldrb', 'ldrsb')
                                                   and o == 'wzr, [x18, x16]'):
            k = 'limit_check'
        elif (m == 'lsr' and o.startswith('x16,') and nxt[0] == 'cbnz'
              and nxt[1].startswith('x16')) or (m == 'cbnz' and o.startswith('x16,')
                                                and prev[0] == 'lsr'):
            k = 'limit_check'
        elif m in ('b', 'bl', 'ret'):
            k = 'exit'
        elif m in ('str', 'stur', 'stp') and '[x28' in o:
            off = re.search(r'\[x28(?:, #(0x[0-9a-f]+|\d+))?\]', o)
            v = int(off.group(1), 0) if off and off.group(1) else 0
            k = 'flag_store' if flag_lo <= v <= flag_hi else 'state_store'
        elif m in ('ldr', 'ldur', 'ldp', 'ldrb', 'ldrh') and '[x28' in o:
            k = 'state_load'
        elif m in ('ldr', 'str') and '[sp' in o:
            k = 'spill'
        elif m == 'ldr' and '[' not in o:
            k = 'const'             # an LDR (literal) from the block's pool
        elif m in ('movz', 'movk', 'movn') or (m == 'mov' and '#' in o) or \
                (m == 'orr' and 'zr, #' in o):
            k = 'const'
        elif m == 'mov':
            k = 'move'
        elif m.startswith(('ldr', 'ldur', 'str', 'stur', 'ldp', 'stp')):
            k = 'mem'
        elif m.startswith('b.') or m in ('cbz', 'cbnz', 'tbz', 'tbnz', 'br', 'blr'):
            k = 'branch'
        elif m in ('cmp', 'cmn', 'tst', 'cset', 'csetm', 'csel', 'csinc', 'ccmp'):
            k = 'cmp'
        elif m.startswith('dmb'):
            k = 'barrier'
        else:
            k = 'alu'
        out.append(k)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('listing')
    ap.add_argument('--flag-offsets', default='0x88-0xa0',
                    help='state offsets of the lazy flag fields (X86State cc_op..cc_res)')
    a = ap.parse_args()
    lo, hi = (int(x, 0) for x in a.flag_offsets.split('-'))
    count = collections.Counter()
    total = blocks = guest = 0
    block = None

    def flush():
        nonlocal total
        if block:
            count.update(classify(block, lo, hi))
            total += len(block)

    for line in open(a.listing, errors='replace'):
        if line.startswith('OUT: block'):
            flush()
            block = []
            blocks += 1
            continue
        g = re.search(r'guest instructions translated\s+(\d+)', line)
        if g:
            guest = int(g.group(1))
        m = INSN.match(line)
        if m and block is not None:
            block.append((m.group(1), m.group(2).strip()))
    flush()
    print(f'{blocks} blocks, {total} host instructions' +
          (f', {guest} guest: {total / guest:.2f} per guest instruction' if guest else ''))
    for k, v in count.most_common():
        print(f'  {k:12s} {v:7d}' + (f'  {v / guest:.3f}' if guest else ''))


if __name__ == '__main__':
    main()
