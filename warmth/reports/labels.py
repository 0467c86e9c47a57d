"""Labels of the report (报表用语) in Chinese and English, and number formats.

One table so that the workbook, the charts and the summary page name things alike.
Chinese is the default: the report goes to a bureau (民政局).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, get_args

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

_LABELS: dict[str, tuple[str, str]] = {
    # titles
    "statistics": ("统计表", "Statistics"),
    "summary": ("工作统计摘要", "Summary"),
    "stage.progress": ("进度统计", "progress report"),
    "stage.final": ("最终统计", "final report"),
    "computed_at": ("统计时间", "As of"),
    "source_note": (
        "数据来源：审计台账（按台账事件汇总）",
        "Source: the audit ledger (folded from its events)",
    ),
    # sheets / sections
    "sheet.overview": ("汇总", "Overview"),
    "sheet.by_category": ("分类别人数", "People by category"),
    "sheet.by_district": ("分区人数", "People by district"),
    "sheet.by_street": ("分街道人数", "People by street"),
    "sheet.by_community": ("分社区人数", "People by community"),
    "sheet.items": ("救助项目发放", "Aid by item"),
    "sheet.funds": ("资金来源", "Money by fund source"),
    "sheet.coverage": ("覆盖率", "Coverage by district"),
    "sheet.outstanding": ("未签收名单", "Outstanding households"),
    "sheet.callbacks": ("回访抽样", "Callbacks drawn"),
    "sheet.rosters": ("花名册报送", "Roster files"),
    "sheet.callback_results": ("电话回访情况", "Callbacks by district"),
    "sheet.verification": ("核实案件办理", "Verification cases"),
    "sheet.hazards": ("隐患整改（分区）", "Hazards by district"),
    "sheet.hazard_kinds": ("隐患整改（分类）", "Hazards by kind"),
    "sheet.urgent": ("临时救助（一事一议）", "Urgent cases"),
    "sheet.overdue_units": ("逾期单位", "Overdue units"),
    # columns
    "metric": ("指标", "Measure"),
    "value": ("数值", "Value"),
    "index": ("序号", "No."),
    "category": ("类别", "Category"),
    "people": ("人数", "People"),
    "district": ("区", "District"),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "item": ("救助项目", "Item"),
    "kind": ("类型", "Kind"),
    "kind.cash": ("现金", "cash"),
    "kind.in_kind": ("实物", "in kind"),
    "unit": ("单位", "Unit"),
    "fund_source": ("资金来源", "Fund source"),
    "issued_count": ("发放笔数", "Issued"),
    "confirmed_count": ("签收笔数", "Confirmed"),
    "outstanding_count": ("未签收笔数", "Outstanding"),
    "quantity": ("数量", "Quantity"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "confirmed_amount": ("已签收金额（元）", "Confirmed (yuan)"),
    "budget": ("预算（元）", "Budget (yuan)"),
    "issued_amount": ("已发放（元）", "Issued (yuan)"),
    "remaining": ("结余（元）", "Remaining (yuan)"),
    "share": ("执行率", "Share of budget"),
    "registered": ("登记人数", "Registered"),
    "entitled": ("应发户数", "Entitled households"),
    "confirmed_households": ("已签收户数", "Fully confirmed"),
    "partial": ("部分签收户数", "Partly confirmed"),
    "coverage": ("覆盖率", "Coverage"),
    "name": ("姓名", "Name"),
    "id_number": ("公民身份号码", "ID number"),
    "outstanding_items": ("未签收项目", "Outstanding items"),
    "confirmed_items": ("已签收项目", "Confirmed items"),
    "outstanding_amount": ("未签收金额（元）", "Outstanding (yuan)"),
    "drawn": ("抽样户数", "Drawn"),
    "rate": ("抽样比例", "Rate"),
    "file": ("文件", "File"),
    "reporting_unit": ("报送单位", "Unit"),
    "rows": ("行数", "Rows"),
    "accepted": ("接收行数", "Accepted rows"),
    "rejected_rows": ("退回错误行", "Rejected rows"),
    "duplicates": ("重复上报", "Duplicates"),
    "status": ("状态", "Status"),
    "status.staged": ("待接收", "staged"),
    "status.accepted": ("已接收", "accepted"),
    "status.refused": ("已退回", "refused"),
    # follow-up columns
    "assigned": ("已分派户数", "Assigned"),
    "attempted": ("已拨打户数", "Called"),
    "calls": ("拨打次数", "Calls"),
    "concluded": ("已办结户数", "Concluded"),
    "outcome.reached": ("回访确认", "Reached"),
    "outcome.unreachable": ("无法联系", "Unreachable"),
    "outcome.not_received": ("反映未收到", "Not received"),
    "outcome.complaint": ("投诉", "Complaint"),
    "problems": ("发现问题", "Problems found"),
    "confirmed_rate": ("回访确认率", "Confirmed rate"),
    "cases_opened": ("立案数", "Opened"),
    "cases_resolved": ("已办结", "Resolved"),
    "cases_open": ("未办结", "Open"),
    "overdue": ("逾期", "Overdue"),
    "hazard_kind": ("隐患类别", "Hazard kind"),
    "hazards_found": ("发现隐患", "Found"),
    "hazards_fixed": ("已整改", "Fixed"),
    "hazards_open": ("未整改", "Open"),
    "urgent_raised": ("申请件数", "Raised"),
    "urgent_approved": ("批准件数", "Approved"),
    "urgent_rejected": ("不予批准", "Rejected"),
    "urgent_pending": ("待审批", "Pending"),
    "urgent_paid": ("已发放件数", "Paid"),
    "asked_amount": ("申请金额（元）", "Asked (yuan)"),
    "approved_amount": ("批准金额（元）", "Approved (yuan)"),
    "paid_amount": ("发放金额（元）", "Paid (yuan)"),
    "urgent_of_issued": ("其中临时救助（元）", "Of which urgent aid (yuan)"),
    "overdue_what": ("逾期事项", "Overdue"),
    "overdue_count": ("数量", "Count"),
    "earliest_deadline": ("最早截止时间", "Earliest deadline"),
    "overdue.delivery": ("发放逾期未签收（户）", "deliveries unconfirmed (households)"),
    "overdue.verification": ("核实逾期未办结（件）", "verification cases (cases)"),
    "overdue.rectification": ("隐患逾期未整改（处）", "hazards not fixed (hazards)"),
    "none": ("无", "none"),
    "total": ("合计", "Total"),
    "total_person_times": ("合计（人次）", "Total (person-times)"),
    # overview measures
    "households": ("登记人数（一人一档）", "People registered"),
    "merged_records": ("合并重复上报", "Duplicate reports merged"),
    "issued_total": ("发放笔数", "Aid issued"),
    "confirmed_total": ("签收笔数", "Aid confirmed"),
    "outstanding_households": ("未签收户数", "Households with items outstanding"),
    "callbacks_drawn": ("回访抽样户数", "Callbacks drawn"),
    "callbacks_concluded": ("回访办结户数", "Callbacks concluded"),
    "callbacks_problems": ("回访发现问题", "Problems found by callbacks"),
    "callbacks_confirmed_rate": ("回访确认率", "Callback confirmed rate"),
    "verification_open": ("核实未办结（其中逾期）", "Verification cases open (overdue)"),
    "hazards_summary": ("隐患发现 / 未整改（其中逾期）", "Hazards found / open (overdue)"),
    "urgent_summary": ("临时救助申请 / 发放（件）", "Urgent cases raised / paid"),
    "urgent_paid_amount": ("临时救助发放金额（元）", "Urgent aid paid (yuan)"),
    "overdue_units_count": ("逾期单位数", "Units with something overdue"),
    "money_issued": ("发放金额（元）", "Money issued (yuan)"),
    "money_budget": ("预算总额（元）", "Budget (yuan)"),
    "see_list": ("名单见 {file}", "listed in {file}"),
    "charts": ("图表", "Charts"),
    "list_truncated": (
        "本表仅列前{shown:,}户，共{total:,}户；完整名单见 {file}",
        "Only the first {shown:,} of {total:,} households are listed; the full list is in {file}",
    ),
    # charts
    "chart.coverage": ("各区覆盖率", "Coverage by district"),
    "chart.funds": ("各资金来源发放与预算", "Money by fund source against budget"),
    "chart.coverage_axis": ("已签收户数 / 应发户数", "confirmed / entitled households"),
    "chart.yuan_axis": ("元", "yuan"),
}


def label(key: str, language: str = "zh") -> str:
    """The label ``key`` in ``language`` (``zh`` or ``en``; anything else reads as ``en``)."""
    zh, en = _LABELS[key]
    return zh if language == "zh" else en


def check_language(language: str) -> Language:
    """``language`` if it is one the report speaks, else :class:`ValueError`."""
    if language == "zh":
        return "zh"
    if language == "en":
        return "en"
    raise ValueError(f"unknown report language {language!r}; use one of {', '.join(LANGUAGES)}")


def money(value: Decimal) -> str:
    """Yuan with thousands separators and two places: ``1,234.50``."""
    return f"{value:,.2f}"


def percent(value: float | None) -> str:
    """A ratio as a percentage with two places, ``—`` when there is none."""
    return "—" if value is None else f"{value * 100:.2f}%"
