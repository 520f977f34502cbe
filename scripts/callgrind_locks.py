#!/usr/bin/env python3
"""Counts the instructions, and the locked (atomic read-modify-write) instructions, that a
callgrind run executed.

    callgrind_locks.py BINARY CALLGRIND_OUT [TOP]

CALLGRIND_OUT must come from `valgrind --tool=callgrind --dump-instr=yes --compress-pos=no
--compress-strings=no`. A locked instruction is one with a `lock` prefix, or an `xchg` with a
memory operand (implicitly locked). Prints `instructions N`, `locked N`, then the TOP
functions (default 0) by locked instructions executed.
"""

import collections
import re
import subprocess
import sys


def locked_addresses(binary):
    """Address -> function name of every locked instruction in `binary`."""
    out = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", binary],
        capture_output=True, text=True, check=True,
    ).stdout
    found, func = {}, "?"
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:", line)
        if m:
            func = m.group(2)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if m:
            ins = m.group(2)
            if ins.startswith("lock ") or (ins.startswith("xchg") and "(" in ins):
                found[int(m.group(1), 16)] = func
    return found


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, profile = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    locks = locked_addresses(binary)
    total, locked = 0, collections.Counter()
    skip_call_cost = False
    with open(profile) as f:
        for line in f:
            if line.startswith("calls="):
                # The next cost line is the inclusive cost of a call, not this function's own.
                skip_call_cost = True
                continue
            if not line.startswith("0x"):
                continue
            if skip_call_cost:
                skip_call_cost = False
                continue
            fields = line.split()
            addr, cost = int(fields[0], 16), int(fields[-1])
            total += cost
            if addr in locks:
                locked[locks[addr]] += cost
    print(f"instructions {total}")
    print(f"locked {sum(locked.values())}")
    for func, n in locked.most_common(top):
        print(f"  {n:>10} {func}")


if __name__ == "__main__":
    main()
