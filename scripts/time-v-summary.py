#!/usr/bin/env python3
"""Prints "WALL_SECONDS PEAK_RSS_GIB" from the report `/usr/bin/time -v -o FILE` writes: the
figures the bench scripts put beside each proof (bench-host-cpu.sh, bench-aggregation.sh)."""
import sys


def summary(path):
    wall = rss = None
    for line in open(path):
        if "Elapsed (wall clock)" in line:
            # h:mm:ss or m:ss.ss
            parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
            wall = sum(p * 60**i for i, p in enumerate(reversed(parts)))
        elif "Maximum resident set size" in line:
            rss = int(line.split()[-1]) / 1048576
    if wall is None or rss is None:
        sys.exit(f"{path}: not a /usr/bin/time -v report")
    return wall, rss


if __name__ == "__main__":
    wall, rss = summary(sys.argv[1])
    print(f"{wall:.1f} {rss:.2f}")
