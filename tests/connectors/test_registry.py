"""Every source is listed once, in connectors/registry.py, and keeps the contract's promises;
the platform's glue loops over the registry and never names a source."""

import re
from pathlib import Path

import pytest

from connectors.common.contract import CADENCES, Connector, Window
from connectors.registry import SOURCES, connector
from quality.suites import suite_for

ROOT = Path(__file__).resolve().parents[2]
# the modules that drive every source: generated from, or looping over, the registry
GLUE = [
    "orchestration/definitions.py",
    "orchestration/sources.py",
    "orchestration/schedules.py",
    "orchestration/freshness.py",
    "orchestration/near_real_time.py",
    "orchestration/resources.py",
    "quality/suites/__init__.py",
    "orchestration/runner.py",
    "scripts/bench.py",
    "scripts/bench_dlt.py",
    "tests/connectors/acceptance.py",
    # what every connector lands through, and dbt's project-wide configuration
    "connectors/common/contract.py",
    "connectors/common/ingest.py",
    "connectors/common/lake.py",
    "connectors/common/http.py",
    "connectors/common/personal.py",
    "dbt_project/dbt_project.yml",
]


def _code(path: Path) -> str:
    """A module's code without its comments and docstrings (prose may name a source)."""
    text = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def _names(code: str) -> list[str]:
    """The sources a piece of code names: a slug on its own or starting a name
    (`smart_city`, `"smart_city_events"`), not inside another (`fct_petitions`)."""
    return [name for name in SOURCES if re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9])", code)]


@pytest.mark.parametrize("module", GLUE)
def test_the_glue_names_no_source(module):
    named = _names(_code(ROOT / module))
    assert named == [], f"{module} names {named}: it must loop over connectors.registry.SOURCES"


def test_the_glue_check_catches_a_name_in_code_but_not_in_prose(tmp_path):
    name = next(iter(SOURCES))
    module = tmp_path / "module.py"
    module.write_text(f'"""Lands {name}."""\n# {name}\nJOB = "{name}_events"\n', encoding="utf-8")
    assert _names(_code(module)) == [name]
    module.write_text(f'"""Lands {name}."""\n# {name}\nJOB = "fct_{name}"\n', encoding="utf-8")
    assert _names(_code(module)) == []


@pytest.mark.parametrize("name", list(SOURCES))
def test_each_source_keeps_the_contract(name):
    c = SOURCES[name]
    assert issubclass(c, Connector) and c.name == name and connector(name) is c
    assert (ROOT / "connectors" / name).is_dir(), "one folder per source under connectors/"
    assert (ROOT / "sandbox" / name).is_dir(), "one stand-in per source under sandbox/"
    assert (ROOT / "dbt_project" / "models" / "staging" / name).is_dir(), "one staging folder per source"
    assert (ROOT / "tests" / "connectors" / name / "stand_in.py").is_file(), "what the acceptance suite knows"
    assert c.cadence in CADENCES
    assert hasattr(c.settings_class, "from_env")
    names = [e.name for e in c.entities]
    assert len(names) == len(set(names)) and c.benchmark_entity in names
    for e in c.entities:
        assert suite_for(name, e.name) is not None  # every entity landed is validated
        assert " " in e.description and re.search(r"[\u4e00-\u9fff]", e.description), "中文 English"


def test_an_unknown_source_or_entity_is_one_clear_error():
    with pytest.raises(ValueError, match="no source 'nowhere'; the sources are smart_city"):
        connector("nowhere")
    first = next(iter(SOURCES.values()))
    with pytest.raises(ValueError, match="has no entity 'nothing'"):
        first.entity("nothing")


def test_a_window_knows_its_days_and_refuses_to_run_backwards():
    from datetime import date

    assert Window(date(2026, 10, 30), date(2026, 11, 1)).days() == [
        date(2026, 10, 30),
        date(2026, 10, 31),
        date(2026, 11, 1),
    ]
    with pytest.raises(ValueError, match="before its first"):
        Window(date(2026, 11, 2), date(2026, 11, 1))
