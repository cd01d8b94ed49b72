"""CPU time and resident memory of another process, read from Linux's /proc.

The harness measures servers from the outside so that the thing measured carries no
instrumentation; outside Linux these readers return None and the report leaves a gap.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")


def _clock_ticks() -> int:
    """Kernel ticks per second that /proc/<pid>/stat counts CPU time in."""
    try:
        return os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 100


_TICKS = _clock_ticks()


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of every thread of `pid` (utime + stime), in seconds.

    The command name in field 2 may contain spaces or parentheses, so fields are counted
    from the last ')'.
    """
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    # After the name: state is field 3, so utime (14) and stime (15) are indexes 11 and 12.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_bytes(pid: int) -> int | None:
    """Resident set size (VmRSS) of `pid` in bytes, or None when it cannot be read."""
    try:
        status = (_PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            kilobytes = int(line.split()[1])
            return kilobytes * 1024
    return None


def machine_busy_seconds() -> float | None:
    """CPU time all cores spent busy, plus time the hypervisor stole, since boot.

    Set against the CPU of the processes a run started, this shows how much other work
    (other processes, a noisy host) competed with the measurement.
    """
    try:
        with (_PROC / "stat").open() as stat:
            first = stat.readline().split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    ticks = [int(value) for value in first[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / _TICKS
