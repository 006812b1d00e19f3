"""Files written whole or not at all.

Every file the platform writes for others to read (lake files, cursor state, reports, the
published copy) is written under a temporary name beside its place and renamed into place
when complete: a reader never sees half a file. When the writing fails (a full disk, a
read-only mount, an error in the writer) the temporary file is removed, so a failed run
leaves nothing half-written behind, and the file before it stays as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_whole(path: Path, fsync: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` for the block to write; renamed over `path` when the
    block ends (after an fsync when asked), removed when it raises."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_whole(path: Path, text: str) -> Path:
    """`text` (UTF-8) as the whole content of `path`, replaced whole; the path."""
    with replaced_whole(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
