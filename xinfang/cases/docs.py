"""Renders the transition table as Markdown (docs/workflow.md)."""

from __future__ import annotations

from xinfang.cases.choices import CLOCK_LABELS, EvaluationStatus
from xinfang.cases.states import CLOSED_STATES, OPEN_STATES, Status
from xinfang.cases.workflow import _TABLE, NEW, status_label


def _clocks(t) -> str:
    parts = []
    if t.stops:
        parts.append("停止：" + "、".join(f"`{r}`" for r in t.stops))
    if t.supersedes:
        parts.append("重算替换：" + "、".join(f"`{r}`" for r in t.supersedes))
    if t.pauses:
        parts.append("暂停：" + "、".join(f"`{r}`" for r in t.pauses))
    if t.starts:
        parts.append("开始：" + "、".join(f"`{s.rule}`（{CLOCK_LABELS.get(s.rule, s.rule)}）" for s in t.starts))
    return "；".join(parts) or "—"


_FIELD_UNITS = {"registering_unit": "登记（转送）单位", "responsible_unit": "原接收单位"}


def _track(t) -> str:
    """Where the item moves, and the step of the evaluation track, if any."""
    parts = []
    if t.moves_to_target:
        parts.append("移交：目标单位")
    elif t.moves_to_field:
        parts.append("移交：" + _FIELD_UNITS.get(t.moves_to_field, t.moves_to_field))
    if t.evaluation is not None:
        src = "、".join(EvaluationStatus(s).label if s else "未开始" for s in sorted(t.evaluation.src))
        parts.append(f"评价：{src} → {EvaluationStatus(t.evaluation.dst).label}")
    return "；".join(parts) or "—"


def _documents(t) -> str:
    """The written document the act issues and the one whose delivery it records (kinds: docs/documents.md)."""
    parts = []
    if t.document:
        parts.append(f"出具 `{t.document}`")
    if t.delivers:
        parts.append(f"送达 `{t.delivers}`")
    return "；".join(parts) or "—"


def render_workflow_markdown() -> str:
    lines = [
        "# 信访件办理流程（状态与迁移）",
        "",
        "本文件由 `xinfang workflow_doc` 根据 `xinfang/cases/workflow.py` 的迁移表自动生成，请勿手工修改。",
        "每一次迁移都经过 `transition()`：加锁、检查原状态与操作人权限、执行业务校验、停止/开始期限、记录办理记录，"
        "全部在同一事务中完成。法律要求书面告知的操作（「书面文书」列）在同一事务中出具并保存该文书，"
        "文书无法出具时操作不生效。",
        "",
        "## 状态",
        "",
        "| 代码 | 状态 | 类别 |",
        "|---|---|---|",
    ]
    for st in Status:
        kind = "办理中（计入工作台）" if st in OPEN_STATES else "已结束（仅可归档）" if st in CLOSED_STATES else "—"
        if st == Status.DELIVERED or st == Status.REVIEW_DELIVERED:
            kind = "申请期（期满由每日任务自动终结）"
        if st == Status.ARCHIVED:
            kind = "最终状态"
        lines.append(f"| `{st.value}` | {st.label} | {kind} |")
    lines += [
        "",
        "## 迁移",
        "",
        "| 操作代码 | 操作 | 原状态 | 新状态 | 执行者 | 所需权限 | 期限 | 移交与评价 | 书面文书 | 依据 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for t in _TABLE:
        if t.src == frozenset(Status.values):
            src = "（任何状态）"
        else:
            src = "、".join(status_label(s) if s != NEW else "（新登记）" for s in sorted(t.src))
        dst = status_label(t.dst) if t.dst is not None else "（状态不变，仅记录）"
        perm = f"`{t.perm}`" if t.perm else "系统"
        where = "（对目标单位）" if t.perm_on == "target" else ""
        basis = t.basis + (f"；{t.notes}" if t.notes else "")
        lines.append(f"| `{t.action}` | {t.label} | {src} | {dst} | {t.actor} | {perm}{where} | {_clocks(t)} | {_track(t)} | {_documents(t)} | {basis} |")
    lines += [
        "",
        "## 主流程",
        "",
        "```",
        "登记 → 待分流 ─┬ 转送/交办 → 待签收 ─┬ 异议（5个工作日内）→ 异议待核 ─┬ 同意 → 待分流",
        "              │                    │                               └ 不同意 → 已签收待受理",
        "              │                    └ 签收 → 已签收待受理 ─┬ 受理 → 办理中 ─┬ 延期（一次，≤30日）→ 已延期办理中",
        "              │                                          │                ├ 调解/和解 → 已终结",
        "              │                                          │                └ 出具意见书 → 待送达 → 送达",
        "              │                                          ├ 简易办理（初件）→ 简易办理中（可转普通程序）",
        "              │                                          ├ 不予受理告知 / 导入法定程序",
        "              ├ 转政法 / 转纪检监察 / 直接答复存档 / 不予受理 / 不再受理",
        "送达 → 复查申请期（30日）─┬ 受理复查 → 复查中 ─┬ 维持/撤销或变更 → 复核申请期（30日）",
        "                         │                   └ 责令重新办理 → 办理中",
        "                         └ 期满未申请 → 已终结（每日任务）",
        "复核申请期 ─┬ 受理复核 → 复核中 ⇄ 听证（期限暂停，顺延听证天数）→ 复核意见 → 已终结",
        "            └ 期满未申请 → 已终结（每日任务）",
        "已结束的各状态 → 归档",
        "评价（与主流程并行）：首次送达 → 待评价 ─┬ 评价 → 已评价",
        "                                        └ 评价期满未评价 → 超期未评价（每日任务）",
        "```",
        "",
    ]
    return "\n".join(lines)
