#!/usr/bin/env python3
"""a64-expansion.py - the aarch64 backend's static expansion broken down by kind of code.

Usage:
    qemu-aarch64-static build-aarch64/ferry -d in_asm,out_asm,stats PROG > out.txt 2>&1
    scripts/a64-expansion.py out.txt
    scripts/a64-expansion.py --by-guest [--top N] out.txt

--by-guest needs in_asm too: it groups the host instructions by the mnemonic of the guest
instruction they belong to (the `;; guest PC` markers of -d out_asm, named by the IN: lines)
and lists the mnemonics by their host instructions in total, with the count of that guest
instruction, host instructions per one and its biggest kinds, so the costliest guest
instructions (SSE string code: pmovmskb, pcmpeqb, ...) show first.

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
GUEST = re.compile(r'0x([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(\S+)')
MARK = re.compile(r'\s+;; guest 0x([0-9a-f]+)')


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
    ap.add_argument('--by-guest', action='store_true',
                    help='group by guest instruction mnemonic (needs in_asm in the listing)')
    ap.add_argument('--top', type=int, default=40, help='rows of --by-guest')
    a = ap.parse_args()
    lo, hi = (int(x, 0) for x in a.flag_offsets.split('-'))
    count = collections.Counter()
    total = blocks = guest = 0
    block = None
    owner = []                  # per host instruction of the block: its guest pc (or None)
    mnemonic = {}               # guest pc -> mnemonic, from the IN: listings
    by_guest = collections.defaultdict(collections.Counter)  # mnemonic -> kind -> count
    n_guest = collections.Counter()                          # mnemonic -> instructions
    in_guest = False
    cur = None

    def flush():
        nonlocal total
        if block:
            kinds = classify(block, lo, hi)
            count.update(kinds)
            total += len(block)
            for k, g in zip(kinds, owner):
                by_guest[mnemonic.get(g, '?') if g is not None else '(block)'][k] += 1

    for line in open(a.listing, errors='replace'):
        if line.startswith('OUT: block'):
            flush()
            block = []
            owner = []
            cur = None
            blocks += 1
            in_guest = False
            continue
        if line.startswith('IN: block'):
            flush()
            block = None
            in_guest = True
            continue
        if in_guest:
            m = GUEST.match(line)
            if m:
                mnemonic[int(m.group(1), 16)] = m.group(2)
                n_guest[m.group(2)] += 1
            continue
        g = MARK.match(line)
        if g:
            cur = int(g.group(1), 16)
            continue
        g = re.search(r'guest instructions translated\s+(\d+)', line)
        if g:
            guest = int(g.group(1))
        m = INSN.match(line)
        if m and block is not None:
            block.append((m.group(1), m.group(2).strip()))
            owner.append(cur)
    flush()
    if a.by_guest:
        rows = sorted(by_guest.items(), key=lambda kv: -sum(kv[1].values()))
        print(f'{"guest insn":14s} {"host":>7s} {"count":>6s} {"each":>6s}  biggest kinds')
        for name, kinds in rows[:a.top]:
            n = sum(kinds.values())
            each = f'{n / n_guest[name]:6.2f}' if n_guest.get(name) else '     -'
            top = ', '.join(f'{k} {v}' for k, v in kinds.most_common(4))
            print(f'{name:14s} {n:7d} {n_guest.get(name, 0):6d} {each}  {top}')
        return
    print(f'{blocks} blocks, {total} host instructions' +
          (f', {guest} guest: {total / guest:.2f} per guest instruction' if guest else ''))
    for k, v in count.most_common():
        print(f'  {k:12s} {v:7d}' + (f'  {v / guest:.3f}' if guest else ''))


if __name__ == '__main__':
    main()
