"""The five phases of a campaign (专项行动的五个阶段), in order."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    SURVEY = "survey"  # 排摸准备 / 调查摸底
    MOBILIZE = "mobilize"  # 动员部署
    DISTRIBUTE = "distribute"  # 组织实施 / 发放
    FOLLOWUP = "followup"  # 回访
    SUMMARIZE = "summarize"  # 总结

    @property
    def label_zh(self) -> str:
        return _ZH[self]


PHASE_ORDER: tuple[Phase, ...] = (
    Phase.SURVEY,
    Phase.MOBILIZE,
    Phase.DISTRIBUTE,
    Phase.FOLLOWUP,
    Phase.SUMMARIZE,
)

_ZH = {
    Phase.SURVEY: "排摸准备",
    Phase.MOBILIZE: "动员部署",
    Phase.DISTRIBUTE: "组织发放",
    Phase.FOLLOWUP: "回访核查",
    Phase.SUMMARIZE: "总结报告",
}
