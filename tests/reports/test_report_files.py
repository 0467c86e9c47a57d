"""The report's files: workbook, JSON, outstanding list, charts and summary pages."""

from __future__ import annotations

import csv
import hashlib
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from tests.reports.campaign import AS_OF, AT, CID, PLAN, Campaign, whole_campaign
from warmth.reports import bench, charts, compute, report_paths, write_campaign_report
from warmth.reports.statistics import CampaignStatistics
from warmth.reports.summary import md_escape, render_html, render_markdown
from warmth.reports.workbook import write_workbook
from warmth.store.campaigns import create_campaign

SHEETS = ["汇总", "分类别人数", "分区人数", "分街道人数", "分社区人数", "救助项目发放",
          "资金来源", "覆盖率", "未签收名单", "回访抽样", "电话回访情况", "核实案件办理",
          "隐患整改（分区）", "隐患整改（分类）", "临时救助（一事一议）", "逾期单位",
          "花名册报送"]  # fmt: skip


def sheet_rows(path: Path) -> dict[str, list[list[object]]]:
    book = load_workbook(path, read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}


@pytest.fixture
def report(campaign: Campaign, tmp_path: Path) -> list[Path]:
    return write_campaign_report(campaign.engine, CID, tmp_path / "out", as_of=AT).paths


def test_the_report_writes_predictable_ascii_file_names(report: list[Path]) -> None:
    assert [p.name for p in report] == [
        "c1-statistics.xlsx",
        "c1-outstanding.csv",
        "c1-statistics.json",
        "c1-coverage.svg",
        "c1-funds.svg",
        "c1-summary.md",
        "c1-summary.html",
    ]
    assert all(p.is_file() and p.stat().st_size > 0 for p in report)


def test_the_workbook_has_one_sheet_per_table_with_title_header_and_totals(
    report: list[Path],
) -> None:
    rows = sheet_rows(report[0])
    assert list(rows) == SHEETS
    for name, sheet in rows.items():  # title row: campaign, table, 统计时间 (Shanghai)
        assert sheet[0][0] == f"{PLAN.name} 统计表 · {name}"
        assert sheet[0][-1] == "统计时间：2026-12-01 12:00（Asia/Shanghai） · 进度统计"
    assert rows["分区人数"][1] == ["区", "人数", *PLAN.categories]
    assert rows["分区人数"][2:] == [
        ["东湖区", 3, 1, 1, 0, 1, 1, 1],
        ["西山区", 2, 1, 0, 1, 0, 0, 0],
        ["合计", 5, 2, 1, 1, 1, 1, 1],
    ]
    assert rows["分类别人数"][-1] == ["合计（人次）", 7]
    assert rows["分社区人数"][-1][:4] == ["合计", None, None, 5]
    assert rows["救助项目发放"][1] == ["救助项目", "类型", "单位", "资金来源", "发放笔数",
                                 "签收笔数", "未签收笔数", "数量", "金额（元）",
                                 "已签收金额（元）"]  # fmt: skip
    assert rows["救助项目发放"][2:] == [
        ["慰问金", "现金", "元", "市级", 5, 3, 2, None, 2700, 1900],
        ["取暖补贴", "现金", "元", "区级", 3, 1, 2, None, 700, 300],
        ["节日礼包", "实物", "份", "社会募集", 5, 2, 3, 5, 750, 300],
        ["合计", None, None, None, 13, 6, 7, None, 4150, 2500],
    ]
    assert rows["资金来源"][-1] == ["合计", 3_500_000, 4150, 2500, 3_495_850, 0.0012, 0]
    assert rows["覆盖率"][-1] == ["合计", 5, 5, 2, 1, 0.4]
    assert rows["回访抽样"][-1] == ["合计", 5, 5, 1.0]
    assert rows["花名册报送"][-1] == ["合计", None, 8, 7, 1, 1, None]
    outstanding = rows["未签收名单"]
    assert outstanding[1][:6] == ["序号", "区", "街道", "社区", "姓名", "公民身份号码"]
    assert [r[0] for r in outstanding[2:]] == [1, 2, 3, "合计"]
    assert outstanding[2][4:8] == ["王*", outstanding[2][5], "取暖补贴、节日礼包", "慰问金"]
    assert outstanding[-1][-1] == 1650
    overview = dict((r[0], r[1]) for r in rows["汇总"][2:])
    assert overview["登记人数（一人一档）"] == 5
    assert overview["覆盖率"] == 0.4
    assert overview["未签收户数"] == 3


def test_the_json_holds_the_same_numbers(campaign: Campaign, report: list[Path]) -> None:
    saved = CampaignStatistics.model_validate_json(report[2].read_text(encoding="utf-8"))
    assert saved == compute(campaign.engine, CID, as_of=AT)
    raw = json.loads(report[2].read_text(encoding="utf-8"))
    assert raw["households"] == 5
    assert raw["fund_sources"][0]["issued"] == "2700.00"  # exact decimals, as text


def test_the_outstanding_csv_lists_every_household_masked(report: list[Path]) -> None:
    with report[1].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["序号", "区", "街道"]
    assert [(r[0], r[4], r[-1]) for r in rows[1:]] == [
        ("1", "王*", "350.00"),
        ("2", "李*", "450.00"),
        ("3", "孙*", "850.00"),
    ]
    assert all("********" in r[5] for r in rows[1:])


def test_a_long_outstanding_list_is_cut_in_the_workbook_with_a_note(
    campaign: Campaign, tmp_path: Path
) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    path = tmp_path / "w.xlsx"
    write_workbook(stats, path, list_rows=1, list_file="c1-outstanding.csv")
    sheet = sheet_rows(path)["未签收名单"]
    assert sheet[2][0] == 1
    assert sheet[3][0] == "本表仅列前1户，共3户；完整名单见 c1-outstanding.csv"
    assert sheet[4][0] == "合计"
    assert sheet[4][-1] == 1650  # the total still covers every household


def test_charts_are_valid_svg(report: list[Path]) -> None:
    for path in report[3:5]:
        root = ET.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = report[3].read_text(encoding="utf-8")
    assert "东湖区" in text  # place names stay text: any viewer's CJK font shows them
    if charts.cjk_font() is None:  # no CJK font here: the chart's own labels are English
        assert "Coverage by district" in text
    else:
        assert "各区覆盖率" in text


def test_a_chart_that_fails_does_not_fail_the_report(
    campaign: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_stats: CampaignStatistics, _path: Path, _language: str) -> Path:
        raise RuntimeError("no font, no luck")

    monkeypatch.setitem(charts.CHARTS, "coverage", broken)
    paths = write_campaign_report(campaign.engine, CID, tmp_path, as_of=AT).paths
    names = [p.name for p in paths]
    assert "c1-coverage.svg" not in names and "c1-funds.svg" in names
    assert not (tmp_path / "c1-coverage.svg").exists()
    assert "c1-coverage.svg" not in (tmp_path / "c1-summary.html").read_text(encoding="utf-8")


def test_the_summary_is_chinese_by_default_and_english_on_request(
    campaign: Campaign, tmp_path: Path
) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    zh = render_markdown(stats)
    assert "覆盖率：40.00%" in zh
    assert "| 东湖区 | 3 | 3 | 1 | 33.33% |" in zh
    assert "| 市级 | 2,000,000.00 | 2,700.00 | 1,900.00 | 1,997,300.00 | 0.14% | 0.00 |" in zh
    en = render_html(stats, "en")
    assert '<html lang="en">' in en and "Coverage by district" in en
    assert "<td>东湖区</td>" in en
    with pytest.raises(ValueError, match="unknown report language"):
        write_campaign_report(campaign.engine, CID, tmp_path, language="fr", as_of=AT)


def test_html_and_markdown_escape_a_hostile_campaign_name(engine: Engine, tmp_path: Path) -> None:
    hostile = PLAN.model_copy(
        update={"name": '=cmd|"/c calc"!A1 <script>alert("x")</script> | *bold* [link](x)'}
    )
    create_campaign(engine, CID, hostile, "ops", AT)
    whole_campaign(engine, tmp_path)  # the campaign exists: the same facts follow
    paths = write_campaign_report(engine, CID, tmp_path / "out", as_of=AT).paths
    html = (tmp_path / "out" / "c1-summary.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    markdown = (tmp_path / "out" / "c1-summary.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown
    assert "&lt;script&gt;" in markdown and "\\| \\*bold\\* \\[link\\](x)" in markdown
    title = sheet_rows(paths[0])["汇总"][0][0]
    assert isinstance(title, str) and title.startswith("'=cmd")  # text, never a formula


def test_md_escape_neutralises_markup_and_line_breaks() -> None:
    assert md_escape("a|b\n# c <i>") == "a\\|b \\# c &lt;i&gt;"
    assert md_escape(None) == ""
    assert md_escape(Decimal("1.50")) == "1.50"


def test_a_final_report_is_labelled_final(campaign: Campaign, tmp_path: Path) -> None:
    paths = write_campaign_report(campaign.engine, CID, tmp_path, final=True, as_of=AT).paths
    assert "最终统计" in paths[-1].read_text(encoding="utf-8")
    assert str(sheet_rows(paths[0])["汇总"][0][-1]).endswith("最终统计")


def test_file_names_come_from_the_campaign_id_alone(tmp_path: Path) -> None:
    assert report_paths(tmp_path, "c1")["workbook"] == tmp_path / "c1-statistics.xlsx"
    for bad in ("", "../x", "a/b", ".hidden"):
        with pytest.raises(ValueError, match="cannot name a file"):
            report_paths(tmp_path, bad)


def test_the_benchmark_runs_on_a_small_campaign(capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["40"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    assert result["households"] == 40 and result["seconds"] > 0


def test_the_follow_up_sheets_have_chinese_headers_and_totals(
    followed: Campaign, tmp_path: Path
) -> None:
    written = write_campaign_report(followed.engine, CID, tmp_path, as_of=AS_OF)
    rows = sheet_rows(written.paths[0])
    assert rows["电话回访情况"][0][-1] == "统计时间：2027-02-09 12:00（Asia/Shanghai） · 进度统计"
    assert rows["电话回访情况"][1:] == [
        ["区", "抽样户数", "已分派户数", "已拨打户数", "拨打次数", "已办结户数", "回访确认",
         "无法联系", "反映未收到", "投诉", "发现问题", "回访确认率"],
        ["东湖区", 3, 3, 3, 6, 3, 1, 1, 1, 0, 1, 0.3333],
        ["西山区", 2, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0],
        ["合计", 5, 4, 4, 7, 4, 1, 1, 1, 1, 2, 0.2],
    ]  # fmt: skip
    assert rows["核实案件办理"][1:] == [
        ["区", "立案数", "已办结", "未办结", "逾期"],
        ["东湖区", 2, 1, 1, 1],
        ["西山区", 1, 0, 1, 0],
        ["合计", 3, 1, 2, 1],
    ]
    assert rows["隐患整改（分区）"][1:] == [
        ["区", "用电", "用气", "用水", "消防", "食品安全", "发现隐患", "已整改", "未整改", "逾期"],
        ["东湖区", 1, 1, 0, 0, 0, 2, 1, 1, 1],
        ["西山区", 1, 0, 0, 1, 0, 2, 0, 2, 1],
        ["合计", 2, 1, 0, 1, 0, 4, 1, 3, 2],
    ]
    assert rows["隐患整改（分类）"][-1] == ["合计", 4, 1, 3, 2]
    assert rows["临时救助（一事一议）"][1:] == [
        ["区", "申请件数", "批准件数", "不予批准", "待审批", "已发放件数", "申请金额（元）",
         "批准金额（元）", "发放金额（元）"],
        ["东湖区", 2, 2, 0, 0, 1, 7000, 5000, 1500],
        ["西山区", 3, 0, 1, 2, 0, 5800, 0, 0],
        ["合计", 5, 2, 1, 2, 1, 12800, 5000, 1500],
    ]  # fmt: skip
    assert rows["逾期单位"][1] == ["序号", "区", "街道", "社区", "逾期事项", "数量", "最早截止时间"]
    assert rows["逾期单位"][2:4] == [
        [1, "东湖区", "梅园街道", "梅园一社区", "发放逾期未签收（户）", 1, "2027-01-30 12:00"],
        [2, "东湖区", "梅园街道", "梅园一社区", "隐患逾期未整改（处）", 1, "2027-02-05 12:00"],
    ]
    assert len(rows["逾期单位"]) == 2 + 6
    assert rows["资金来源"][1][-1] == "其中临时救助（元）"
    assert rows["资金来源"][3] == ["区级", 1_000_000, 2200, 300, 997_800, 0.0022, 1500]
    overview = dict((r[0], r[1]) for r in rows["汇总"][2:])
    assert overview["回访发现问题"] == 2
    assert overview["核实未办结（其中逾期）"] == "2 (1)"
    assert overview["逾期单位数"] == 3


def test_the_report_returns_each_file_s_sha256(followed: Campaign, tmp_path: Path) -> None:
    written = write_campaign_report(followed.engine, CID, tmp_path, as_of=AS_OF)
    assert [f.name for f in written.files] == [p.name for p in written.paths]
    for f in written.files:
        assert f.sha256 == hashlib.sha256(f.path.read_bytes()).hexdigest()
    assert written.digests["c1-statistics.json"] == written.files[2].sha256
    saved = CampaignStatistics.model_validate_json(written.paths[2].read_text(encoding="utf-8"))
    assert saved == compute(followed.engine, CID, as_of=AS_OF)
    raw = json.loads(written.paths[2].read_text(encoding="utf-8"))
    assert raw["callback_results"][0]["problems"] == 1
    assert raw["urgent"][0]["paid_amount"] == "1500.00"
    assert raw["overdue_units"][0]["kind"] == "delivery"
    again = write_campaign_report(followed.engine, CID, tmp_path / "again", as_of=AS_OF)
    json_digest = again.digests["c1-statistics.json"]
    assert json_digest == written.digests["c1-statistics.json"]  # same ledger, same as-of


def test_the_summary_shows_the_follow_up_in_chinese_and_english(followed: Campaign) -> None:
    stats = compute(followed.engine, CID, as_of=AS_OF)
    zh = render_markdown(stats)
    assert "## 电话回访情况" in zh
    assert "| 合计 | 5 | 4 | 4 | 1 | 1 | 1 | 1 | 2 | 20.00% |" in zh
    assert "| 东湖区 | 2 | 2 | 0 | 0 | 1 | 7,000.00 | 5,000.00 | 1,500.00 |" in zh
    assert "| 西山区 | 枫桥街道 | 枫桥一社区 | 隐患逾期未整改（处） | 1 | 2027-01-30 12:00 |" in zh
    assert "- 临时救助发放金额（元）：1,500.00" in zh
    assert "| 区级 | 1,000,000.00 | 2,200.00 | 300.00 | 997,800.00 | 0.22% | 1,500.00 |" in zh
    en = render_html(stats, "en")
    for title in ("Callbacks by district", "Verification cases", "Hazards by district",
                  "Urgent cases", "Overdue units", "Of which urgent aid (yuan)"):  # fmt: skip
        assert title in en
    assert ">deliveries unconfirmed (households)</td>" in en


def test_a_report_with_nothing_overdue_says_so(campaign: Campaign) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert "## 逾期单位\n\n无" in render_markdown(stats)
    assert "<h2>Overdue units</h2>\n<p>none</p>" in render_html(stats, "en")


def test_a_naive_as_of_is_refused(campaign: Campaign, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        write_campaign_report(campaign.engine, CID, tmp_path, as_of=AT.replace(tzinfo=None))
