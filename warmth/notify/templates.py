"""Message texts per kind, in Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Mapping

_TEMPLATES: dict[str, dict[str, str]] = {
    "zh": {
        "gate_opened": "【{campaign}】{phase}阶段已完成，请审批（截止 {deadline}）。",
        "gate_reminder": "【{campaign}】{phase}阶段待您审批，截止 {deadline}，请及时处理。",
        "gate_escalation": "【{campaign}】{phase}阶段审批已逾期（截止 {deadline}），请督办。",
        "gate_rejected": "【{campaign}】{phase}阶段以下区被退回整改：{districts}",
    },
    "en": {
        "gate_opened": "[{campaign}] The {phase} phase is done and awaits approval by {deadline}.",
        "gate_reminder": "[{campaign}] The {phase} gate awaits your approval by {deadline}.",
        "gate_escalation": "[{campaign}] The {phase} gate is overdue (deadline {deadline}).",
        "gate_rejected": "[{campaign}] The {phase} phase was sent back for: {districts}",
    },
}


def render(kind: str, data: Mapping[str, str], language: str = "zh") -> str:
    """The message text; unknown kinds fall back to listing the data."""
    template = _TEMPLATES.get(language, _TEMPLATES["zh"]).get(kind)
    if template is None:
        return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in sorted(data.items()))
    return template.format_map(_Missing(data))


class _Missing(dict[str, str]):
    def __init__(self, data: Mapping[str, str]) -> None:
        super().__init__(data)

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
