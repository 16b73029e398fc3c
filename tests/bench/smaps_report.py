#!/usr/bin/env python3
"""Where a process's resident memory is: /proc/PID/smaps summed by kind of mapping.

Usage: smaps_report.py PID [BINARY_NAME]

Kinds: the binary's own pages (text, read-only data, data), shared libraries, other files,
thread stacks (the anonymous mapping each thread's stack pointer is in, from
/proc/PID/task/TID/syscall), [heap] (brk: glibc and early allocations), and the remaining
anonymous mappings (mimalloc's segments and arenas, sled's and tokio's large buffers). Printed in
MiB, largest first, with the anonymous mappings above 1 MiB listed one by one, then
smaps_rollup's totals. Not a test: for tests/bench/memory.sh (SMAPS=1) and for reading by hand.
"""

import glob
import os
import sys


def mappings(pid):
    """Yields (start, end, perms, path, rss_kib, anon_kib, private_dirty_kib) per mapping."""
    current = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            head = line.split(None, 5)
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                if current:
                    yield current
                start, end = (int(x, 16) for x in head[0].split("-"))
                path = head[5].strip() if len(head) > 5 else ""
                current = [start, end, head[1], path, 0, 0, 0]
            elif head[0] == "Rss:":
                current[4] = int(head[1])
            elif head[0] == "Anonymous:":
                current[5] = int(head[1])
            elif head[0] == "Private_Dirty:":
                current[6] = int(head[1])
    if current:
        yield current


def stack_pointers(pid):
    """Each thread's stack pointer (the next-to-last field of task/TID/syscall), by name."""
    found = []
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            fields = open(os.path.join(task, "syscall")).read().split()
            name = open(os.path.join(task, "comm")).read().strip()
        except OSError:
            continue
        # "running" has no registers; a thread in a syscall shows "nr args... sp pc".
        if len(fields) >= 3 and fields[0] != "running":
            found.append((int(fields[-2], 16), name))
    return found


def main():
    pid = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    maps = list(mappings(pid))
    stacks = {}
    for sp, name in stack_pointers(pid):
        for m in maps:
            if m[0] <= sp < m[1]:
                stacks.setdefault(m[0], []).append(name)
    kinds = {}
    big_anon = []
    for start, end, perms, path, rss, anon, dirty in maps:
        if start in stacks:
            kind = "thread stacks"
        elif path and os.path.basename(path) == binary:
            kind = "binary " + ("text" if "x" in perms else "data" if "w" in perms else "rodata")
        elif path == "[heap]":
            kind = "[heap] (brk)"
        elif path.startswith("/") and ".so" in path:
            kind = "shared libraries"
        elif path.startswith("/"):
            kind = "other files"
        elif path.startswith("["):
            kind = path
        else:
            kind = "anonymous (mimalloc, buffers)"
            if rss >= 1024:
                big_anon.append((rss, end - start, perms))
        k = kinds.setdefault(kind, [0, 0, 0])
        k[0] += rss
        k[1] += 1
        k[2] += dirty
    total = sum(k[0] for k in kinds.values())
    print(f"resident memory by mapping kind, pid {pid} ({len(maps)} mappings, "
          f"{len(stack_pointers(pid))} threads in a syscall)")
    for kind, (rss, count, dirty) in sorted(kinds.items(), key=lambda x: -x[1][0]):
        print(f"  {kind:32} {rss / 1024:7.1f} MiB  ({count} mappings, private dirty {dirty / 1024:.1f} MiB)")
    print(f"  {'total':32} {total / 1024:7.1f} MiB")
    for rss, size, perms in sorted(big_anon, reverse=True)[:12]:
        print(f"    anonymous mapping {size / 1048576:8.1f} MiB mapped, {rss / 1024:6.1f} MiB resident {perms}")
    threads = []
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            threads.append(open(task + "/comm").read().strip())
        except OSError:
            pass  # a thread that ended meanwhile (sled starts and ends some)
    names = {}
    for t in threads:
        names[t] = names.get(t, 0) + 1
    print(f"  threads: {len(threads)}: " + ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in sorted(names.items())))
    rollup = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            rollup[parts[0].rstrip(":")] = int(parts[1])
    print("  smaps_rollup: " + ", ".join(
        f"{k} {rollup.get(k, 0) / 1024:.1f}" for k in ("Rss", "Anonymous", "Private_Dirty", "AnonHugePages", "Shared_Clean", "Private_Clean")) + " MiB")


if __name__ == "__main__":
    main()
