"""Failpoints: named places where the process can be made to die at once, as a power cut or
an OOM kill would, so that a test can show a rerun repairs everything.

``GOVHUB_FAILPOINT=<name>:<n>`` ends the process (exit code 75, no cleanup, no flush) the
n-th time it passes the failpoint ``<name>``. Unset, a failpoint costs one lookup. Names:

- ``page``: a page has been received and not landed yet;
- ``landed``: a batch file has just been renamed into place in the lake;
- ``cursor``: everything a cursor covers is landed, the cursor is not moved yet.
"""

from __future__ import annotations

import os
import threading
from collections import Counter

EXIT_CODE = 75
_passed: Counter = Counter()
_counting = threading.Lock()  # lake files are written by several threads


def failpoint(name: str) -> None:
    spec = os.environ.get("GOVHUB_FAILPOINT")
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    with _counting:
        _passed[name] += 1
        if _passed[name] == int(nth or 1):
            os._exit(EXIT_CODE)
