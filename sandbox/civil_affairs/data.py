"""The civil-affairs world: households, assistance recipients, payments, applications and
home visits by grid workers, written into a database on any SQLAlchemy URL.

Resident ID numbers follow GB 11643 (18 characters, ISO 7064 MOD 11-2 check digit); a few
are stale 15-digit numbers and a few carry a wrong check digit, as real registers do. The
database holds each row's latest state as of the sandbox clock (``update_time`` is the
last change; soft-deleted rows keep ``is_deleted = 1``).

Defects (sandbox.defects): the wrong check digits, and a few recipients under an assistance
category outside the code set (the retired 五保 code ``WB``). A world without defects has
every check digit right.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import create_engine, insert

from sandbox.civil_affairs.schema import TABLES, metadata
from sandbox.defects import Defect, pick
from sandbox.world import World
from sandbox.world.names import mobile_number, person_name

CATEGORIES = (("DB", 45), ("TK", 10), ("LS", 10), ("CJ", 20), ("GL", 15))
MONTHLY_FEN = {"DB": 52000, "TK": 78000, "CJ": 9000, "GL": 10000}
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
UNKNOWN_CATEGORY = "WB"  # 五保, folded into 特困 long ago: not in the code set
# The ID number column of each table that has one.
ID_COLUMNS = {"households": "hz_sfzh", "recipients": "sfzh"}


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return "10X98765432"[total % 11]


def id_number(rng: random.Random, county: str, birth: date, female: bool, bad_check_digits: bool = True) -> str:
    """A resident ID number; with `bad_check_digits`, about 1 in 100 has a wrong check digit
    (the same draws either way, so the rest of the world does not change)."""
    seq = rng.randrange(0, 500) * 2 + (0 if female else 1)
    first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
    r = rng.random()
    if r < 0.015:  # a stale first-generation number: 15 digits, two-digit year, no check digit
        return f"{county}{birth:%y%m%d}{seq:03d}"
    digit = id_check_digit(first17)
    if r < 0.025 and bad_check_digits:
        digit = wrong_check_digit(digit)
    return first17 + digit


def wrong_check_digit(digit: str) -> str:
    return "10X98765432"[("10X98765432".index(digit) + 1) % 11]


def has_bad_check_digit(number: str | None) -> bool:
    """An 18-character number whose check digit is not the one its first 17 digits give."""
    return bool(number) and len(number) == 18 and number[:17].isdigit() and id_check_digit(number[:17]) != number[17]


def _ts(t: datetime) -> datetime:
    """The database stores naive local times (Asia/Shanghai), whole seconds."""
    return t.replace(tzinfo=None, microsecond=0)


class CivilAffairsData:
    def __init__(self, world: World, start: date, end: date, defects: bool = True) -> None:
        self.world = world
        self.with_defects = defects
        city = world.preset.township_codes is None
        k = world.preset.volume_multiplier
        self.rows: dict[str, list[dict]] = {name: [] for name in TABLES}
        rng = world.rng("civil_affairs", "register")
        grids = world.grids
        n_households = int((100_000 * k) if city else 60)
        origin = datetime(2024, 1, 1)
        window = datetime.combine(start, time(0))
        span = (window - origin).total_seconds()

        def register_time() -> datetime:
            """Registered before the window; about 3% changed again inside it."""
            if rng.random() < 0.03:
                return window + timedelta(
                    seconds=rng.uniform(0, (datetime.combine(end, time(0)) - window).total_seconds())
                )
            return origin + timedelta(seconds=rng.uniform(0, span))

        for i in range(n_households):
            g = grids[rng.randrange(len(grids))]
            village = world.village_by_code[g.village_code]
            jt_id = f"JT{g.county_code}{i + 1:07d}"
            head_birth = date(rng.randint(1935, 1995), rng.randint(1, 12), rng.randint(1, 28))
            head = person_name(rng)
            updated = register_time()
            self.rows["households"].append(
                {
                    "jt_id": jt_id,
                    "hz_xm": head,
                    "hz_sfzh": id_number(rng, g.county_code, head_birth, rng.random() < 0.5, defects),
                    "lxdh": mobile_number(rng),
                    "jtzz": f"开封市{village.name}{rng.randint(1, 300)}号",
                    "sq_bm": g.village_code,
                    "wg_bm": g.code,
                    "update_time": _ts(updated),
                    "is_deleted": 0,
                }
            )
            for j in range(1 if rng.random() < 0.55 else 2):
                cat = rng.choices([c for c, _ in CATEGORIES], weights=[w for _, w in CATEGORIES])[0]
                birth = head_birth if j == 0 else date(rng.randint(1930, 2015), rng.randint(1, 12), rng.randint(1, 28))
                since = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 900))
                self.rows["recipients"].append(
                    {
                        "dx_id": f"DX{g.county_code}{i + 1:07d}{j}",
                        "jt_id": jt_id,
                        "xm": head if j == 0 else person_name(rng),
                        "sfzh": id_number(rng, g.county_code, birth, rng.random() < 0.5, defects),
                        "jzlb": cat,
                        "ksrq": since,
                        "jsrq": None if rng.random() < 0.9 else since + timedelta(days=rng.randint(90, 700)),
                        "update_time": _ts(register_time()),
                        "is_deleted": 1 if rng.random() < 0.01 else 0,
                    }
                )
        if defects:
            self._register_defects()
        self._monthly(start, end)
        d = start
        while d < end:
            self._day(d, city, k)
            d += timedelta(days=1)

    def _register_defects(self) -> None:
        """Recipients under an unknown category (so no payment refers to them); in a world
        that wants defects in every batch, a wrong check digit if none came up by chance."""
        recipients = self.rows["recipients"]
        rng = self.world.rng("defects", "civil_affairs", "register")
        if self.world.preset.defects_at_least and not any(has_bad_check_digit(r["sfzh"]) for r in recipients):
            fit = [r for r in recipients if len(r["sfzh"]) == 18 and r["is_deleted"] == 0]
            if fit:
                r = rng.choice(fit)
                r["sfzh"] = r["sfzh"][:17] + wrong_check_digit(r["sfzh"][17])
        eligible = [r["dx_id"] for r in recipients if r["is_deleted"] == 0 and not has_bad_check_digit(r["sfzh"])]
        chosen = pick(self.world, "civil_affairs", "recipients", "register", len(recipients), eligible)
        for r in recipients:
            if r["dx_id"] in chosen:
                r["jzlb"] = UNKNOWN_CATEGORY

    def defects(self, clock: datetime) -> list[Defect]:
        """The defective rows of the database written at `clock` (the whole register, as a
        full read from the start of the partitions lands it)."""
        cutoff = clock.replace(tzinfo=None)
        out = []
        for table, pk in (("households", "jt_id"), ("recipients", "dx_id")):
            column = ID_COLUMNS[table]
            for r in self.rows[table]:
                if r["update_time"] > cutoff:
                    continue
                if has_bad_check_digit(r[column]):
                    out.append(Defect("civil_affairs", table, r[pk], "invalid_id_check_digit", column))
                if table == "recipients" and r["jzlb"] == UNKNOWN_CATEGORY:
                    out.append(Defect("civil_affairs", table, r[pk], "unknown_code", "jzlb"))
        return out

    def _monthly(self, start: date, end: date) -> None:
        month = start.replace(day=1)
        while month < end:
            pay_day = month.replace(day=10)
            if start <= pay_day < end:
                for r in self.rows["recipients"]:
                    if r["jzlb"] in MONTHLY_FEN and r["ksrq"] <= pay_day and r["is_deleted"] == 0:
                        self.rows["payments"].append(
                            {
                                "ff_id": f"FF{r['dx_id']}{month:%Y%m}",
                                "dx_id": r["dx_id"],
                                "ffny": f"{month:%Y-%m}",
                                "ffje_fen": MONTHLY_FEN[r["jzlb"]],
                                "ffrq": pay_day,
                                "update_time": datetime.combine(pay_day, time(9)),
                                "is_deleted": 0,
                            }
                        )
            month = (month + timedelta(days=32)).replace(day=1)

    def _household(self, jt_id: str) -> dict:
        index = self.__dict__.get("_households_by_id")
        if index is None:
            index = self.__dict__["_households_by_id"] = {h["jt_id"]: h for h in self.rows["households"]}
        return index[jt_id]

    def _day(self, day: date, city: bool, k: float) -> None:
        rng = self.world.rng("civil_affairs", day.isoformat())
        households = self.rows["households"]
        midnight = datetime.combine(day, time(0))
        for n in range(int((300 * k) if city else 3)):
            hh = households[rng.randrange(len(households))]
            applied = midnight + timedelta(seconds=rng.randrange(8 * 3600, 17 * 3600))
            deadline = applied + timedelta(days=20)
            done = applied + timedelta(days=rng.uniform(1, 28))
            status = rng.choices(("办结", "驳回", "审核"), weights=(80, 8, 12))[0]
            self.rows["applications"].append(
                {
                    "sq_id": f"SQ{day:%Y%m%d}{n + 1:05d}",
                    "jt_id": hh["jt_id"],
                    "sqlx": rng.choices([c for c, _ in CATEGORIES], weights=[w for _, w in CATEGORIES])[0],
                    "sqsj": _ts(applied),
                    "blqx": _ts(deadline),
                    "blzt": status,
                    "bjsj": _ts(done) if status != "审核" else None,
                    "bl_bm": f"{hh['wg_bm'][:9]}-MZJ",
                    "update_time": _ts(done if status != "审核" else applied + timedelta(days=1)),
                    "is_deleted": 1 if rng.random() < 0.01 else 0,
                }
            )
        visited = self.rows["visits"][-1000:]  # the latest visits: a household may need a follow-up
        for n in range(int((150 * k) if city else 2)):
            hh = households[rng.randrange(len(households))]
            if visited and rng.random() < 0.05:  # a follow-up visit (scored once a household and month: R5)
                hh = self._household(rng.choice(visited)["jt_id"])
            workers = self.world.staff_on(hh["wg_bm"], "fulltime_worker", day)
            if not workers:
                continue
            at = midnight + timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))
            self.rows["visits"].append(
                {
                    "zf_id": f"ZF{day:%Y%m%d}{n + 1:05d}",
                    "jt_id": hh["jt_id"],
                    "wgy_id": workers[0],
                    "zfsj": _ts(at),
                    "zfqk": rng.choice(("家庭情况稳定", "生活困难，需跟进", "已告知政策", "老人独居，需关注"))
                    # a worker now and then notes the household's numbers (the connector scrubs them)
                    + (f"，户主电话{hh['lxdh']}，身份证{hh['hz_sfzh']}" if rng.random() < 0.1 else ""),
                    "sfyzx": 1 if rng.random() < 0.2 else 0,
                    "update_time": _ts(at + timedelta(minutes=rng.randint(5, 240))),
                    "is_deleted": 0,
                }
            )

    def write(self, url: str, clock: datetime, chunk: int = 5000) -> None:
        """(Re)create the schema at `url` and fill it with the rows changed before `clock`."""
        engine = create_engine(url)
        cutoff = clock.replace(tzinfo=None)
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            for name, table in TABLES.items():
                rows = [r for r in self.rows[name] if r["update_time"] <= cutoff]
                for i in range(0, len(rows), chunk):
                    conn.execute(insert(table), rows[i : i + chunk])
        engine.dispose()
