"""A new source from the template (templates/new-source/): `govhub new-source NAME`.

Writes, for a source slug NAME, every folder a source has (docs/new-source.md): the connector
(settings, client, landing, its contract in source.py), the stand-in, the Great Expectations
suite, the dbt staging folder (sources, base and stg models) and its tests, all working
against each other from the start: a REST API read by day of update. Then it adds the source
to the two lists that name every source: ``connectors/registry.py`` and dbt's
``landed_entities()`` (the quarantine and the row accounting). Nothing existing is
overwritten: a name already taken is refused.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from connectors.common.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "templates/new-source"
REGISTRY = "connectors/registry.py"
DBT_LIST = "dbt_project/macros/quarantine.sql"
SLUG = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# names the project already uses for something else than a source
RESERVED = {"common", "registry", "scaffold", "template", "reference", "events", "world", "suites"}


@dataclass(frozen=True)
class Names:
    slug: str  # water_supply
    title: str  # what the system is called

    @property
    def camel(self) -> str:  # WaterSupply
        return "".join(part.capitalize() for part in self.slug.split("_"))

    def fill(self, text: str) -> str:
        return (
            text.replace("__source__", self.slug)
            .replace("__Source__", self.camel)
            .replace("__SOURCE__", self.slug.upper())
            .replace("__Title__", self.title)
        )


def check_name(slug: str, root: Path) -> None:
    if not SLUG.match(slug) or slug in RESERVED or len(slug) > 40:
        raise ConfigError(
            f"a source name is a lower-case slug of letters, digits and single underscores, "
            f"at most 40 long and not one of {', '.join(sorted(RESERVED))}: not {slug!r}"
        )
    taken = [
        p
        for p in (f"connectors/{slug}", f"sandbox/{slug}", f"dbt_project/models/staging/{slug}")
        if (root / p).exists()
    ]
    registered = f"from connectors.{slug}.source import" in (root / REGISTRY).read_text(encoding="utf-8")
    if taken or registered:
        raise ConfigError(f"a source named {slug!r} exists already ({', '.join(taken) or REGISTRY})")


def new_source(slug: str, title: str | None = None, root: Path = PROJECT_ROOT) -> list[Path]:
    """Write the source's files under `root` and register it; the files written."""
    root = Path(root)
    check_name(slug, root)
    names = Names(slug, title or slug.replace("_", " ").capitalize())
    template = root / TEMPLATE
    written = []
    for path in sorted(p for p in template.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        target = root / names.fill(str(path.relative_to(template)))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(names.fill(path.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    _register(root / REGISTRY, names)
    _add_landed_entity(root / DBT_LIST, names)
    _tidy([p for p in written if p.suffix == ".py"], root)
    return written


def _tidy(files: list[Path], root: Path) -> None:
    """The imports of the written modules in the project's order (where the source's name
    sorts among the others), formatted as the project is: ruff, where it is installed."""
    for args in (["check", "--select", "I", "--fix", "--quiet"], ["format", "--quiet"]):
        try:
            subprocess.run([sys.executable, "-m", "ruff", *args, *map(str, files)], cwd=root, check=False)
        except OSError:
            return


def _register(registry: Path, names: Names) -> None:
    """The import in its sorted place, and the class at the end of the SOURCES tuple."""
    lines = registry.read_text(encoding="utf-8").splitlines()
    imports = [i for i, line in enumerate(lines) if line.startswith("from connectors.") and ".source import " in line]
    if not imports or "    for c in (" not in lines:
        raise ConfigError(f"{REGISTRY} is not in the shape the generator knows: add {names.camel} by hand")
    block = [*(lines[i] for i in imports), f"from connectors.{names.slug}.source import {names.camel}"]
    others = [line for line in lines[imports[0] : imports[-1] + 1] if line not in block]
    lines[imports[0] : imports[-1] + 1] = sorted([*block, *others], key=_import_order)
    start = lines.index("    for c in (")
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "    )")
    lines.insert(end, f"        {names.camel},")
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _import_order(line: str) -> str:
    return line.split(" import ")[0].replace("from ", "")


def _add_landed_entity(macros: Path, names: Names) -> None:
    text = macros.read_text(encoding="utf-8")
    start = text.index("{% macro landed_entities() -%}")
    end = text.index("]) }}", start)
    line = f"    {{'source': '{names.slug}', 'entity': 'records', 'stg': 'stg_{names.slug}__records'}},\n"
    macros.write_text(text[:end] + line + text[end:], encoding="utf-8")
