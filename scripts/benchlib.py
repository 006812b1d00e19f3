"""What the benchmark scripts share: running a command while sampling the memory of its
whole process tree, the machine's description, and writing a section of BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(d.name))
            rss[int(d.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def run_measured(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS of the process tree (sampled every 0.5 s) and the exit code."""
    peak = [0]
    with open(log, "w", encoding="utf-8") as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

        def sample() -> None:
            while proc.poll() is None:
                peak[0] = max(peak[0], tree_rss_bytes(proc.pid))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.monotonic() - started
        sampler.join()
    return wall, peak[0], code


def machine() -> str:
    mem = next(
        int(line.split()[1]) // 1024**2
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, Python {platform.python_version()}, {platform.system()}"


def write_section(out: Path, text: str, start: str, end: str) -> None:
    """Replace (or add) the part of `out` between the markers `start` and `end`."""
    body = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    section = f"{start}\n{text.rstrip()}\n{end}"
    if start in body and end in body:
        body = body[: body.index(start)] + section + body[body.index(end) + len(end) :]
    else:
        body = body.rstrip() + "\n\n" + section + "\n"
    out.write_text(body, encoding="utf-8")
