"""Synthetic roster files of any size for benchmarks (基准测试花名册).

Like :func:`warmth.demo.write_demo_roster`, but streamed so that a million-row file
costs no more memory than a thousand-row one, with exactly ``rows`` data rows, and
written as ``.csv`` or ``.xlsx``:

* about 2 % of rows re-report an earlier person from another unit (with possibly
  another category): registration merges them, nobody is registered twice;
* about 0.5 % of rows carry a mistake: a wrong check character of the ID number
  or an unknown community;
* people live in four districts (the demo city's two and two more).

ID numbers are unique by construction (an affine permutation of the person's
index over region x birth date x order code), so the number of distinct people is
the number of valid first reports. Files are cached by size, format, seed and
generator version: generating is never part of a timed benchmark.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final, Literal

from stdnum.cn import ric

from warmth.demo import CATEGORIES, HEADER, UNITS, demo_plan, demo_tree
from warmth.domain.jurisdiction import District, JurisdictionTree, Street
from warmth.domain.plan import CampaignPlan
from warmth.roster.export import write_csv, write_xlsx

Format = Literal["csv", "xlsx"]

GENERATOR_VERSION: Final = 1
"""Bump when the generated content changes, so that cached files are regenerated."""
DUPLICATE_RATE: Final = 0.02
BAD_RATE: Final = 0.005
RESERVOIR: Final = 4096
"""Earlier people kept for re-reports; bounds the generator's memory."""

_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN: Final = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬"
_MOBILE_PREFIXES: Final = ("133", "136", "138", "139", "150", "151", "158", "186", "187", "189")
_REGIONS: Final = ("310112", "310104", "310115", "310110", "310107")
_FIRST_BIRTH: Final = date(1940, 1, 1)
_BIRTH_DAYS: Final = 365 * 70
_ID_SPACE: Final = len(_REGIONS) * _BIRTH_DAYS * 1000
_ID_STEP: Final = 2_654_435_761  # a prime, so coprime with _ID_SPACE: a permutation
_ID_OFFSET: Final = 12_345_677

MAX_ROWS: Final = _ID_SPACE // 2
"""More rows than this could not all have distinct ID numbers; far above any roster."""

_EXTRA_DISTRICTS: Final = {
    "南湾区": ("海滨", "渔港", "灯塔"),
    "北岭区": ("青松", "石泉", "云峰"),
}


def bench_tree() -> JurisdictionTree:
    """示范市 with four districts: the demo's 东湖区 and 西山区, and 南湾区, 北岭区."""
    demo = demo_tree()
    extra = [
        District(
            name=district,
            streets=[
                Street(name=f"{s}街道", communities=[f"{s}{c}社区" for c in ("一", "二", "三")])
                for s in streets
            ],
        )
        for district, streets in _EXTRA_DISTRICTS.items()
    ]
    return demo.model_copy(update={"districts": [*demo.districts, *extra]})


def bench_plan(start: datetime) -> CampaignPlan:
    """The demo plan (categories, supervisors, phases) over :func:`bench_tree`."""
    plan = demo_plan(start, timedelta(days=15))
    return plan.model_copy(update={"code": "bench", "jurisdiction": bench_tree()})


def _id_number(index: int) -> str:
    """The ID number of person ``index``: distinct for distinct indexes below MAX_ROWS.

    Built like :func:`warmth.domain.ids.generate_id` (region, birth date, order
    code, MOD 11-2 check character), with the three parts taken from ``index``.
    """
    p = (index * _ID_STEP + _ID_OFFSET) % _ID_SPACE
    p, region = divmod(p, len(_REGIONS))
    day, order = divmod(p, 1000)
    body = f"{_REGIONS[region]}{_FIRST_BIRTH + timedelta(days=day):%Y%m%d}{order:03d}"
    # calc_check_digit ignores the last character of its argument.
    return body + ric.calc_check_digit(body + "0")


def roster_rows(rows: int, seed: int = 2026) -> Iterator[list[str]]:
    """Yield ``rows`` data rows (with 序号) in the order of :data:`warmth.demo.HEADER`."""
    if not 0 < rows <= MAX_ROWS:
        raise ValueError(f"rows must be between 1 and {MAX_ROWS}, got {rows}")
    rng = random.Random(seed)
    places = list(bench_tree().communities())
    reservoir: list[list[str]] = []
    fresh = 0

    def person() -> list[str]:
        nonlocal fresh
        fresh += 1
        district, street, community = rng.choice(places)
        name = _SURNAMES[rng.randrange(len(_SURNAMES))] + "".join(
            rng.choices(_GIVEN, k=rng.choice((1, 2)))
        )
        return [
            name,
            _id_number(fresh),
            f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
            district,
            street,
            community,
            f"{street}{rng.randrange(1, 300)}号",
            "、".join(rng.sample(CATEGORIES, k=rng.choice((1, 1, 1, 2)))),
            str(rng.randrange(1, 6)),
            rng.choice(UNITS),
            rng.choice(("", "取暖", "医疗", "助餐")),
            rng.choice(("", "", "", "用电线路老化", "燃气软管老化")),
            "",
        ]

    for seq in range(1, rows + 1):
        draw = rng.random()
        if draw < BAD_RATE:  # a typing mistake
            row = person()
            if rng.random() < 0.5:
                row[1] = row[1][:-1] + ("0" if row[1][-1] != "0" else "1")
            else:
                row[5] = "不存在社区"
        elif draw < BAD_RATE + DUPLICATE_RATE and reservoir:  # re-reported by another unit
            earlier = reservoir[rng.randrange(len(reservoir))]
            row = list(earlier)
            row[7] = rng.choice(CATEGORIES)
            row[9] = rng.choice([u for u in UNITS if u != earlier[9]])
        else:
            row = person()
            if len(reservoir) < RESERVOIR:
                reservoir.append(row)
            else:
                reservoir[rng.randrange(RESERVOIR)] = row
        yield [str(seq), *row]


def write_roster(path: Path, rows: int, fmt: Format, seed: int = 2026) -> None:
    """Write a synthetic roster (streamed; ``.xlsx`` through openpyxl's write-only mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(path, HEADER, roster_rows(rows, seed), sheet_title="花名册")
    else:
        write_csv(path, HEADER, roster_rows(rows, seed))


def cached_roster(cache_dir: Path, rows: int, fmt: Format, seed: int = 2026) -> tuple[Path, bool]:
    """The roster file for (rows, fmt, seed), generated if absent; and whether it was generated.

    The file is written under a temporary name and renamed, so an interrupted
    generation never leaves a truncated file in the cache.
    """
    path = cache_dir / f"roster-{rows}-s{seed}-v{GENERATOR_VERSION}.{fmt}"
    if path.exists():
        return path, False
    partial = path.with_name(f".{path.stem}.{os.getpid()}.partial.{fmt}")
    try:
        write_roster(partial, rows, fmt, seed)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path, True
