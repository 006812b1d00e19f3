"""What the layers may import: scripts use the project, never the tests; the time zone comes
from one place (connectors/common/timezone.py), never from the stand-ins' clock."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("connectors", "orchestration", "govhub", "warehouse", "reports", "quality", "scripts")


def _imports(folder: str, pattern: str) -> list[str]:
    rx = re.compile(pattern, re.M)
    return [str(p.relative_to(ROOT)) for p in sorted((ROOT / folder).rglob("*.py")) if rx.search(p.read_text("utf-8"))]


def test_scripts_import_the_project_never_the_tests():
    assert _imports("scripts", r"^\s*(from|import) tests\b") == []


@pytest.mark.parametrize("folder", PRODUCTION)
def test_the_time_zone_comes_from_one_place(folder):
    assert _imports(folder, r"^\s*from sandbox\.clock import") == []
    defined = _imports(folder, r"^SHANGHAI = ")
    assert defined == (["connectors/common/timezone.py"] if folder == "connectors" else [])


def test_a_stand_in_declares_its_system_itself_never_from_a_connector():
    """The stand-ins are the other side of the protocol: what they serve (a register's schema
    included) is declared apart from what the connectors expect, so drift shows."""
    from connectors.registry import SOURCES

    connectors = "|".join(SOURCES)
    assert _imports("sandbox", rf"^\s*(from|import) connectors\.({connectors})\b") == []


def test_every_source_model_sits_in_its_source_folder():
    """staging/<source>/ and intermediate/<source>/ hold that source's models, and only they."""
    from connectors.registry import SOURCES

    models = ROOT / "dbt_project" / "models"
    misplaced = [
        str(p.relative_to(models))
        for layer in ("staging", "intermediate")
        for p in (models / layer).rglob("*.sql")
        for name in SOURCES
        if re.match(rf"(base|stg|int)_{name}__", p.stem) and p.relative_to(models / layer).parts[0] != name
    ]
    assert misplaced == []
