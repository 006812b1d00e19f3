"""Hand-written scenarios: records written out in a YAML file, served by the stand-ins beside
the generated world, so a test can say exactly what the warehouse must make of them.

A scenario adds its own grid workers (ids of its own, assigned to grids of the world named
by alias), and for them: Smart City reports with their lifecycle, Sharp Eyes alarms pushed
to them, home visits to households of its own, and petitions they mediated. The generated
world never picks the scenario's workers (they join the roster after it was drawn), so every
point line of theirs comes from the file. Times are Asia/Shanghai. The format::

    window: {start: 2026-09-28, end: 2026-10-04}   # the sandbox window, end exclusive
    grids: {G: 0, H: 1}                            # alias: index into the world's grids
    staff:
      SW1: {role: fulltime_worker, assignments: [{grid: G, from: 2024-01-01, to: null}]}
    events:                                        # flow: [state, minutes after the report]
      - {id: SCN-E1, reporter: SW1, subitem: "0101", grid: G, at: "2026-09-30 09:00",
         flow: [[registered, 5], [self_handled, 30], [closed, 90]]}
    alarms:                                        # arrived/closed: minutes after the push
      - {id: SCN-A1, to: SW1, grid: G, pushed: "2026-09-30 10:00", arrived: 30, closed: 60}
    households: {SCN-H1: {grid: G, assistance: DB}}
    visits: [{id: SCN-V1, household: SCN-H1, worker: SW1, at: "2026-09-30 23:50"}]
    petitions:
      - {id: SCN-P1, mediator: SW1, grid: G, registered: 2026-09-20, closed: 2026-09-30, satisfaction: 满意}
    expect: ...                                    # read by the tests, not by the stand-ins

Flow states: registered, rejected_false (虚假上报), rejected_out_of_scope, self_handled (by
the reporter), dispatched, handled, inspection_passed, closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from sandbox.clock import SHANGHAI
from sandbox.world import World
from sandbox.world.organisation import Assignment, Staff

EMPLOYMENT = {"fulltime_worker": "专职", "parttime_worker": "兼职"}
ALARM_TYPE = 131587  # 垃圾堆放: a type the mapping seed knows


def _at(text) -> datetime:
    if isinstance(text, datetime):
        return text.replace(tzinfo=SHANGHAI) if text.tzinfo is None else text
    return datetime.strptime(str(text), "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass
class Scenario:
    path: Path
    start: date
    end: date
    spec: dict = field(repr=False)

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        path = Path(path)
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        window = spec.get("window") or {}
        try:
            start, end = _day(window["start"]), _day(window["end"])
        except KeyError as exc:
            raise ValueError(f"{path}: the scenario needs window.start and window.end") from exc
        return cls(path, start, end, spec)

    @property
    def expect(self) -> dict:
        return self.spec.get("expect") or {}

    def grid(self, world: World, alias: str):
        grids = sorted(world.grids, key=lambda g: g.code)
        try:
            return grids[int(self.spec["grids"][alias])]
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{self.path}: grid alias {alias!r} names no grid of the world") from exc

    # --- what each stand-in serves ------------------------------------------------------
    def add_staff(self, world: World) -> None:
        """Join the scenario's workers to the roster (after the world's records were drawn)."""
        for staff_id, s in (self.spec.get("staff") or {}).items():
            assignments = [
                Assignment(self.grid(world, a["grid"]).code, s["role"], _day(a["from"]), _day(a.get("to")))
                for a in s["assignments"]
            ]
            township = self.grid(world, s["assignments"][0]["grid"]).township_code
            world.staff.append(
                Staff(staff_id, "测试人员", "13800000000", s["role"], EMPLOYMENT[s["role"]], township, assignments)
            )

    def add_events(self, world: World, events) -> None:
        """Smart City requests reported by the scenario's workers (sandbox.smart_city.events)."""
        from sandbox.smart_city.events import REJECTION_REASONS, Event, Transition, _stamp

        for e in self.spec.get("events") or []:
            grid = self.grid(world, e["grid"])
            point = grid.polygon.representative_point()
            reported = _at(e["at"])
            role = self.spec["staff"][e["reporter"]]["role"]
            ev = Event(
                request_id=e["id"],
                subitem_code=str(e["subitem"]),
                grid_code=grid.code,
                reported_grid_code=grid.code,
                lon_wgs84=round(point.x, 7),
                lat_wgs84=round(point.y, 7),
                reporter_type=role,
                reporter_staff_id=e["reporter"],
                description="场景测试事件",
                address=f"开封市{grid.name}",
            )
            ev.transitions.append(Transition("reported", reported, "staff", e["reporter"]))
            for state, minutes in e.get("flow") or []:
                t = reported + timedelta(minutes=minutes)
                if state == "rejected_false":
                    ev.transitions.append(
                        Transition("rejected", t, "platform", "command_room", note=REJECTION_REASONS["false_report"])
                    )
                elif state == "rejected_out_of_scope":
                    ev.transitions.append(
                        Transition("rejected", t, "platform", "command_room", note=REJECTION_REASONS["out_of_scope"])
                    )
                elif state == "self_handled":
                    ev.self_resolved = True
                    ev.transitions.append(Transition(state, t, "staff", e["reporter"], note="网格员现场自行处置"))
                elif state in ("registered", "closed"):
                    ev.transitions.append(Transition(state, t, "platform", "command_room"))
                elif state == "inspection_passed":
                    ev.transitions.append(Transition(state, t, "staff", "unknown"))
                else:
                    raise ValueError(f"{self.path}: event {e['id']}: no flow state {state!r}")
            events.events.append(_stamp(ev))
        events.reindex()

    def add_alarms(self, world: World, alarms) -> None:
        """Sharp Eyes alarms pushed to the scenario's workers (sandbox.sharp_eyes.alarms): on
        site after `arrived` minutes and judged a false alarm there, or never reached and
        closed by the platform after `closed` minutes."""
        from sandbox.sharp_eyes.alarms import Alarm, Camera

        for a in self.spec.get("alarms") or []:
            grid = self.grid(world, a["grid"])
            camera = next((c for c in alarms.cameras if c.grid_code == grid.code), None)
            if camera is None:
                point = grid.polygon.representative_point()
                camera = Camera(f"41020099991310{len(alarms.cameras):06d}", "场景测试点位", grid.township_code,
                                grid.code, point.x, point.y, True)  # fmt: skip
                alarms.cameras.append(camera)
            pushed = _at(a["pushed"])
            alarm = Alarm(a["id"], ALARM_TYPE, 1, camera, pushed - timedelta(minutes=2), pushed - timedelta(minutes=1))
            alarm.pushed_at, alarm.assigned_staff_id = pushed, a["to"]
            if a.get("arrived") is not None:
                alarm.arrived_at = pushed + timedelta(minutes=a["arrived"])
                alarm.outcome, alarm.remark = "false_alarm", "现场核实为误报"
            alarm.closed_at = pushed + timedelta(minutes=a["closed"])
            if alarm.arrived_at is None:
                alarm.remark = "超时未到场，平台关闭"
            alarms.alarms.append(alarm)
            alarms.by_id[alarm.alarm_id] = alarm

    def add_civil_affairs(self, world: World, civil) -> None:
        """The scenario's households (with an assistance recipient where `assistance` is
        given) and the home visits (sandbox.civil_affairs.data)."""
        from sandbox.civil_affairs.data import _ts as stamp
        from sandbox.civil_affairs.data import id_check_digit

        registered = datetime(2024, 1, 2, 9, 0)
        for n, (hh_id, h) in enumerate((self.spec.get("households") or {}).items()):
            grid = self.grid(world, h["grid"])
            first17 = f"{grid.county_code}19600101{n:03d}"
            civil.rows["households"].append(
                {"jt_id": hh_id, "hz_xm": "测试户主", "hz_sfzh": first17 + id_check_digit(first17),
                 "lxdh": "13800000000", "jtzz": f"开封市{grid.name}", "sq_bm": grid.village_code,
                 "wg_bm": grid.code, "update_time": registered, "is_deleted": 0}
            )  # fmt: skip
            if h.get("assistance"):
                civil.rows["recipients"].append(
                    {"dx_id": f"{hh_id}-1", "jt_id": hh_id, "xm": "测试户主", "sfzh": first17 + id_check_digit(first17),
                     "jzlb": h["assistance"], "ksrq": date(2024, 1, 1), "jsrq": None, "update_time": registered,
                     "is_deleted": 0}
                )  # fmt: skip
        for v in self.spec.get("visits") or []:
            at = _at(v["at"])
            civil.rows["visits"].append(
                {"zf_id": v["id"], "jt_id": v["household"], "wgy_id": v["worker"], "zfsj": stamp(at),
                 "zfqk": "家庭情况稳定", "sfyzx": 0, "update_time": stamp(at + timedelta(minutes=10)),
                 "is_deleted": 0}
            )  # fmt: skip

    def add_petitions(self, world: World, petitions) -> None:
        """Petitions mediated by the scenario's workers (sandbox.petitions.files): exported on
        the day they were registered and again on the day they were answered."""
        from sandbox.civil_affairs.data import id_check_digit
        from sandbox.petitions.files import Case

        for n, p in enumerate(self.spec.get("petitions") or []):
            grid = self.grid(world, p["grid"])
            township = world.township_by_code[grid.township_code]
            registered, closed = _day(p["registered"]), _day(p["closed"])
            first17 = f"{grid.county_code}19700101{n:03d}"
            row = {
                "信访件编号": p["id"], "来源形式": "来访", "信访人姓名": "测试人",
                "信访人身份证号": first17 + id_check_digit(first17),
                "信访人电话": "", "问题属地乡镇": township.name, "问题属地网格": grid.code, "问题类别": "邻里纠纷",
                "内容摘要": "场景测试", "登记日期": registered, "受理截止": registered + timedelta(days=15),
                "办理单位": f"{grid.county_code}-XFJ", "办结期限": registered + timedelta(days=60),
                "是否延期": "否", "办结日期": None, "答复日期": None, "满意度评价": "", "复查申请日期": None,
                "复查答复日期": None, "调解网格员": p["mediator"],
            }  # fmt: skip
            case = Case(p["id"], [(registered, dict(row))])
            row.update({"办结日期": closed, "答复日期": closed, "满意度评价": p["satisfaction"]})
            case.versions.append((closed, dict(row)))
            petitions.cases.append(case)
