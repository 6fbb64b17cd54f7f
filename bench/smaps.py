#!/usr/bin/env python3
"""Where a process's memory is: PSS by mapping (library, [anon], [heap], ...) from saved
/proc/PID/smaps files, largest first. With two files, the second's growth over the first.

    python3 bench/smaps.py AFTER.smaps [BEFORE.smaps] [-n 20]
"""
import argparse
import collections
import os
import re

MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")


def pss_by_mapping(path):
    """PSS in kB per mapping name (file mappings by base name)."""
    totals = collections.Counter()
    name = None
    with open(path) as smaps:
        for line in smaps:
            if MAPPING.match(line):
                fields = line.split()
                name = fields[5] if len(fields) > 5 else "[anon]"
                if name.startswith("/"):
                    name = os.path.basename(name)
            elif line.startswith("Pss:"):
                totals[name] += int(line.split()[1])
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("after")
    parser.add_argument("before", nargs="?")
    parser.add_argument("-n", type=int, default=20, help="rows to show")
    args = parser.parse_args()
    after = pss_by_mapping(args.after)
    before = pss_by_mapping(args.before) if args.before else collections.Counter()
    print(f"total PSS {sum(after.values()) / 1024:.1f} MB", end="")
    if args.before:
        print(f" (was {sum(before.values()) / 1024:.1f} MB)", end="")
    print()
    rows = sorted(after, key=lambda k: after[k] - before[k], reverse=True)
    for name in rows[: args.n]:
        line = f"{after[name] / 1024:8.1f} MB  {name}"
        if args.before:
            line += f"  ({(after[name] - before[name]) / 1024:+.1f})"
        print(line)


if __name__ == "__main__":
    main()
