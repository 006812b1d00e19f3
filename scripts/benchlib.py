"""What the benchmark scripts share: running a command while sampling the memory of its
whole process tree, the machine's description, and writing a section of BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def tree_rss_bytes(pid: int, apart: str | None = None) -> tuple[int, int]:
    """Resident memory of a process and all its descendants, from /proc: (the whole tree,
    the subtrees whose command line contains `apart`)."""
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
    total = aside = 0
    todo = [(pid, False)]
    while todo:
        p, inside = todo.pop()
        inside = inside or (apart is not None and apart in _cmdline(p))
        total += rss.get(p, 0)
        aside += rss.get(p, 0) if inside else 0
        todo += [(c, inside) for c in children.get(p, [])]
    return total, aside


@dataclass
class Measured:
    wall: float  # seconds
    peak: int  # bytes, the whole process tree
    peak_without: int  # bytes, the tree without the subtrees set apart
    code: int
    # the peak without the subtrees set apart while each step ran: the step is the last line
    # of the command's output matching `step_line` when the sample was taken
    step_peaks: dict[str, int] = field(default_factory=dict)


def run_measured(
    cmd: list[str], env: dict[str, str], log: Path, apart: str | None = None, step_line: str | None = None
) -> Measured:
    """Run `cmd`, sampling the memory of its process tree every 0.5 s: wall time, peak RSS
    of the tree and of the tree without the subprocesses whose command line contains
    `apart` (the stand-ins, which are the sources and not the platform), and with
    `step_line` (a regex with one group naming the step) that peak per step."""
    import re

    peak, peak_without = [0], [0]
    step_peaks: dict[str, int] = {}
    pattern = re.compile(step_line) if step_line else None
    with open(log, "w", encoding="utf-8") as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

        def sample() -> None:
            step, offset = None, 0
            while proc.poll() is None:
                total, aside = tree_rss_bytes(proc.pid, apart)
                peak[0] = max(peak[0], total)
                peak_without[0] = max(peak_without[0], total - aside)
                if pattern is not None:
                    with open(log, encoding="utf-8", errors="replace") as fh:
                        fh.seek(offset)
                        text = fh.read()
                        offset = fh.tell()
                    for line in text.splitlines():
                        m = pattern.search(line)
                        if m:
                            step = m.group(1)
                    if step is not None:
                        step_peaks[step] = max(step_peaks.get(step, 0), total - aside)
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.monotonic() - started
        sampler.join()
    return Measured(wall, peak[0], peak_without[0], code, step_peaks)


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
