"""Scale presets of the sandbox world (performance.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Preset:
    name: str
    township_codes: tuple[str, ...] | None  # None: all of Kaifeng
    grid_count: int
    fulltime_workers: int
    smart_city_events_per_day: float
    default_days: int
    cameras: int = 0
    alarms_per_day: float = 0.0
    volume_multiplier: float = 1.0
    # Defective records (sandbox.defects): the share of each entity's records, and the least
    # number per batch (a day of an entity, or the civil-affairs register).
    defect_rate: float = 1 / 2000
    defects_at_least: int = 0

    def scaled(self, k: float) -> Preset:
        """The same world with the daily volumes multiplied by k (the `city xk` presets)."""
        return replace(
            self,
            name=f"{self.name}x{k:g}",
            smart_city_events_per_day=self.smart_city_events_per_day * k,
            alarms_per_day=self.alarms_per_day * k,
            volume_multiplier=self.volume_multiplier * k,
        )


PRESETS: dict[str, Preset] = {
    # One township (新华街道, 鼓楼区, three communities), a few grids, a few days; one
    # defective record of each entity a day, so every kind of defect shows within days.
    "tiny": Preset("tiny", ("410204002",), 8, 3, 40.0, 5, cameras=12, alarms_per_day=30.0, defects_at_least=1),
    # All of Kaifeng: 124 townships, 5,811 grids, 1,821 full-time grid workers, thousands
    # of Sharp Eyes cameras raising several thousand alarms a day; at least one defective
    # record of each entity a day, so the few petitions of a day show every kind too.
    "city": Preset("city", None, 5811, 1821, 1800.0, 31, cameras=4200, alarms_per_day=3500.0, defects_at_least=1),
}


def get_preset(name: str) -> Preset:
    """`tiny`, `city`, or `<preset>xK` (its daily volumes multiplied by K, e.g. cityx2)."""
    if name in PRESETS:
        return PRESETS[name]
    base, _, k = name.rpartition("x")
    if base in PRESETS:
        try:
            return PRESETS[base].scaled(float(k))
        except ValueError:
            pass
    raise ValueError(f"unknown preset {name!r}: use tiny, city or cityxK (e.g. cityx2)")
