"""The demo: a synthetic small city, a plan whose season lasts about a minute.

Everything here is generated: names, ID numbers (valid check characters, real
region codes) and phones are made up by a seeded random generator.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from warmth.auth.rules import Role, User
from warmth.domain.ids import generate_id
from warmth.domain.jurisdiction import District, JurisdictionTree, Street
from warmth.domain.phases import PHASE_ORDER, Phase
from warmth.domain.plan import (
    AidItem,
    CallbackPlan,
    CampaignPlan,
    FundSource,
    Period,
    PhasePlan,
    Supervisor,
    UrgentPlan,
)

CATEGORIES = ["低保对象", "低收入家庭", "特困人员", "困境儿童", "独居老人", "重残人员"]
UNITS = ["民政科", "残联", "妇联", "工会", "社区居委会"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬"
_MOBILE_PREFIXES = ["133", "136", "138", "139", "150", "151", "158", "186", "187", "189"]
_REGIONS = ["310112", "310104", "310115", "310110", "310107"]


def demo_tree() -> JurisdictionTree:
    """示范市: 2 districts × 3 streets × 3 communities."""
    districts = []
    for d in ("东湖区", "西山区"):
        streets = [
            Street(name=f"{s}街道", communities=[f"{s}{c}社区" for c in ("一", "二", "三")])
            for s in (("梅园", "竹林", "松涛") if d == "东湖区" else ("枫桥", "柳岸", "桃源"))
        ]
        districts.append(District(name=d, streets=streets))
    return JurisdictionTree(city="示范市", districts=districts)


def demo_plan(start: datetime, step: timedelta = timedelta(seconds=10)) -> CampaignPlan:
    """A plan whose five phases follow each other every ``step`` from ``start``.

    ``start`` must be time-zone aware. Reminders fire shortly before each deadline.
    """
    start = start.astimezone(ZoneInfo("Asia/Shanghai"))
    phases = {}
    for i, phase in enumerate(PHASE_ORDER):
        begin = start + step * i
        phases[phase] = PhasePlan(
            start=begin,
            deadline=begin + step * 2,
            # The summary is approved for the whole city, by the city supervisor.
            approvers=(
                ["chen.city"] if phase == Phase.SUMMARIZE else ["li.east", "zhao.west", "chen.city"]
            ),
            reminders=[step / 2, step / 5],
        )
    return CampaignPlan(
        code="demo",
        name="示范市2026年“寒冬送温暖”专项行动（演示）",
        theme="解民忧、纾民困、暖民心",
        period=Period(start=start.date(), end=(start + step * 12).date()),
        time_zone="Asia/Shanghai",
        jurisdiction=demo_tree(),
        categories=CATEGORIES,
        fund_sources=[
            FundSource(code="city", name="市级", budget=Decimal(2_000_000)),
            FundSource(code="district", name="区级", budget=Decimal(1_000_000)),
            FundSource(code="charity", name="社会募集", budget=Decimal(500_000)),
        ],
        items=[
            AidItem(
                code="condolence",
                name="慰问金",
                kind="cash",
                fund_source="city",
                project_name="2026年两节帮困送温暖慰问金",
                standards={
                    "低保对象": Decimal(500),
                    "低收入家庭": Decimal(300),
                    "特困人员": Decimal(800),
                    "困境儿童": Decimal(600),
                    "独居老人": Decimal(400),
                    "重残人员": Decimal(500),
                },
            ),
            AidItem(
                code="heating",
                name="取暖补贴",
                kind="cash",
                fund_source="district",
                project_name="2026年冬季取暖补贴",
                standards={
                    "低保对象": Decimal(200),
                    "特困人员": Decimal(300),
                    "独居老人": Decimal(200),
                },
            ),
            AidItem(
                code="package",
                name="节日礼包",
                kind="in_kind",
                unit="份",
                unit_cost=Decimal(150),
                fund_source="charity",
                standards={c: Decimal(1) for c in CATEGORIES},
            ),
        ],
        supervisors=[
            Supervisor(id="chen.city", name="陈局长", scope=""),
            Supervisor(id="li.east", name="李区长", scope="东湖区"),
            Supervisor(id="zhao.west", name="赵区长", scope="西山区"),
        ],
        phases=phases,
        notice_days=7,
        notice_period=step / 2,  # compressed with the season
        callback=CallbackPlan(rate=0.05, minimum=2),
        escalation_interval=step,
        urgent=UrgentPlan(fund_source="city", city_threshold=Decimal(3000)),
    ).localized()


def demo_users(plan: CampaignPlan, at: datetime) -> dict[str, User]:
    """The demo's people: each supervisor of the plan, and an ops operator (ops.demo)."""
    users = {
        s.id: User(id=s.id, name=s.name, roles=(Role.SUPERVISOR,), scope=s.scope, created_at=at)
        for s in plan.supervisors
    }
    users["ops.demo"] = User(
        id="ops.demo", name="民政局业务科", roles=(Role.OPS,), scope="", created_at=at
    )
    return users


HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "联系电话",
    "区",
    "街道",
    "社区",
    "居住地址",
    "类别",
    "家庭人数",
    "报送单位",
    "需求",
    "隐患",
    "备注",
]


def write_demo_roster(
    path: Path, tree: JurisdictionTree, households: int, seed: int = 2026
) -> None:
    """A roster CSV of ``households`` people, with a few duplicates and bad rows as in life.

    About 2 % of rows re-report a person from another unit (merged, not paid twice) and
    about 0.5 % carry a mistake (a wrong check character or an unknown community).
    """
    rng = random.Random(seed)
    places = list(tree.communities())
    people: list[list[str]] = []
    for _ in range(households):
        district, street, community = rng.choice(places)
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 70))
        id_number = generate_id(rng, rng.choice(_REGIONS), birth)
        name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))
        cats = rng.sample(CATEGORIES, k=rng.choice((1, 1, 1, 2)))
        people.append(
            [
                name,
                id_number,
                f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
                district,
                street,
                community,
                f"{street}{rng.randrange(1, 300)}号",
                "、".join(cats),
                str(rng.randrange(1, 6)),
                rng.choice(UNITS),
                rng.choice(["", "取暖", "医疗", "助餐"]),
                rng.choice(["", "", "", "用电线路老化", "燃气软管老化"]),
                "",
            ]
        )
    rows = list(people)
    for person in rng.sample(people, k=households // 50):  # re-reported by another unit
        again = list(person)
        again[7] = rng.choice(CATEGORIES)
        again[9] = rng.choice([u for u in UNITS if u != person[9]])
        rows.append(again)
    for row in rng.sample(rows, k=max(1, households // 200)):  # typing mistakes
        bad = list(row)
        if rng.random() < 0.5:
            bad[1] = bad[1][:-1] + ("0" if bad[1][-1] != "0" else "1")
        else:
            bad[5] = "不存在社区"
        rows.append(bad)
    rng.shuffle(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i, row in enumerate(rows, start=1):
            writer.writerow([str(i), *row])


def write_demo_staff(path: Path, tree: JurisdictionTree, seed: int = 2026) -> int:
    """A staff list (工作人员名单): two cadres (包保人) per community, two callers (回访员)
    per district. Returns the number of people written."""
    rng = random.Random(seed)
    rows: list[list[str]] = []

    def person(unit: str, role: str) -> None:
        name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=2))
        phone = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        rows.append([name, phone, unit, role])

    for district, street, community in tree.communities():
        for _ in range(2):
            person(f"{district}/{street}/{community}", "包保人")
    for d in tree.districts:
        for _ in range(2):
            person(d.name, "回访员")
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["姓名", "联系电话", "单位", "角色"])
        writer.writerows(rows)
    return len(rows)
