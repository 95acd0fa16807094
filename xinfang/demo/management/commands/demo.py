"""``xinfang demo``: fill an empty database with the fictitious county 清河县 and a year of petition items."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction
from django.db.models import Count, ProtectedError

from xinfang.cases.models import Case, ClockTally, Evaluation
from xinfang.cases.states import OPEN_STATES, Status
from xinfang.cases.workflow import importing_history
from xinfang.core import clock
from xinfang.deadlines.services import load_calendar
from xinfang.demo.county import BUREAU, DEFAULT_PASSWORD, County, build_county, demo_unit_codes
from xinfang.demo.documents import DemoDocuments, DocumentRun
from xinfang.demo.planner import MIN_ITEMS
from xinfang.demo.runner import DemoBuilder
from xinfang.documents.models import DocumentCounter, DocumentKind, IssuedDocument
from xinfang.notifications.models import Outbox
from xinfang.orgs.models import Unit, UnitKind, User


def _demo_present() -> bool:
    # The code alone is not enough: a real county's bureau is likely to use XFJ too.
    return Unit.objects.filter(code=BUREAU[1], name=BUREAU[0]).exists()


def _foreign_units() -> list[str]:
    codes = set(demo_unit_codes())
    return [f"{u.name}（{u.code}）" for u in Unit.objects.exclude(code__in=codes).order_by("path")[:5]]


class Command(BaseCommand):
    help = (
        "生成演示数据：虚构的清河县（单位、人员、各角色账号）和一年来处于各个办理状态的信访件，"
        "全部通过业务服务按历史日期逐步办理生成。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--items", type=int, default=400, help=f"生成的信访件数量（默认 400，至少 {MIN_ITEMS}）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子；种子相同，生成的数据相同（默认 2026）")
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help=f"所有演示账号的共用密码（默认 {DEFAULT_PASSWORD}）"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="删除已有的演示数据后重新生成；数据库中有非演示单位时拒绝执行",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        items, seed, password = options["items"], options["seed"], options["password"]
        if items < MIN_ITEMS:
            raise CommandError(f"--items 至少为 {MIN_ITEMS}，才能让每个办理状态都有信访件（收到 {items}）")
        if not password:
            raise CommandError("--password 不能为空")
        try:
            present = _demo_present()
        except DatabaseError as exc:
            raise CommandError(f"无法读取数据库：{exc}。如果是新安装，请先运行 xinfang migrate 初始化数据库。") from exc
        if present and not options["reset"]:
            self.stdout.write(
                "数据库中已有演示数据（清河县信访局，单位代码 XFJ），未做任何修改。\n"
                "如需重新生成，请运行：xinfang demo --reset（将删除全部演示单位、人员和信访件）。"
            )
            return
        foreign = _foreign_units()
        if foreign:
            raise CommandError(
                f"数据库中已有非演示单位（{'、'.join(foreign)}等），为避免把虚构数据混入真实数据，已停止。"
                "请在新的空数据库上运行 xinfang demo。"
            )
        today = clock.today()
        if today.year not in load_calendar().years:
            raise CommandError(
                f"{today.year} 年的节假日日历尚未导入，无法计算期限。请先运行 xinfang calendar seed 或导入该年日历。"
            )

        started = time.perf_counter()
        with transaction.atomic():
            if present:
                self._reset()
            county = build_county(password)
            builder = DemoBuilder(county, items=items, seed=seed, today=today)
            builder.plan()
            # The demo writes a year that has already happened, day by day: no backdating window applies.
            with importing_history():
                builder.run()
                documents = DemoDocuments(county, builder.plans, today).run()
                # The simulated year's SMS and e-mails to invented petitioners are never sent; the staff
                # inbox messages it produced stay, as a county would have them.
                Outbox.objects.exclude(channel=Outbox.Channel.INAPP).filter(state=Outbox.State.PENDING).delete()
        elapsed = time.perf_counter() - started
        self._summary(county, builder, elapsed, password, documents)

    def _reset(self) -> None:
        codes = demo_unit_codes()
        try:
            # Every unit is a demo unit (checked above), so every item is demo data.
            self._delete_documents()
            Case.objects.all().delete()
            # Their running clocks went with them: the supervision board's tally of them too.
            ClockTally.objects.all().delete()
            # Messages about the deleted items (the staff inbox rows go with their items and users).
            Outbox.objects.all().delete()
            User.objects.filter(unit__code__in=codes).delete()
            units = Unit.objects.filter(code__in=codes)
            # Children protect their parent: delete from the leaves up.
            for depth in sorted(set(units.values_list("depth", flat=True)), reverse=True):
                Unit.objects.filter(code__in=codes, depth=depth).delete()
        except ProtectedError as exc:
            raise CommandError(
                f"演示数据被其他数据引用，无法删除（{exc.args[0]}）。请改用新的空数据库。"
            ) from exc
        self.stdout.write("已删除原有演示数据，正在重新生成……")

    def _delete_documents(self) -> None:
        """Issued documents protect their item, unit and earlier versions: delete the latest versions first."""
        names = [n for n in IssuedDocument.objects.values_list("file", flat=True) if n]
        while IssuedDocument.objects.exists():
            IssuedDocument.objects.filter(superseded_by__isnull=True).delete()
        DocumentCounter.objects.all().delete()
        for name in names:
            default_storage.delete(name)

    def _summary(
        self, county: County, builder: DemoBuilder, elapsed: float, password: str, documents: DocumentRun
    ) -> None:
        w = self.stdout.write
        today = clock.today()
        cases = Case.objects.filter(registering_unit__in=county.units)
        by_status = dict(cases.values_list("status").annotate(n=Count("pk")))
        kinds = dict(Unit.objects.values_list("kind").annotate(n=Count("pk")))
        open_cases = cases.filter(status__in=[st.value for st in OPEN_STATES], due_on__isnull=False)
        overdue = open_cases.filter(due_on__lt=today).count()
        soon = open_cases.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=7)).count()
        failed = [p for p in builder.plans if p.failure]

        w(f"演示数据生成完成，用时 {elapsed:.1f} 秒。")
        w("")
        unit_parts = "、".join(f"{label} {kinds.get(value, 0)}" for value, label in UnitKind.choices)
        w(f"单位：{sum(kinds.values())} 个（{unit_parts}）")
        w(f"用户：{User.objects.count()} 个")
        w(
            f"信访件：{cases.count()} 件（集体访 {cases.filter(is_group=True).count()}，"
            f"检举控告 {cases.filter(claim_type='accusation').count()}，重件 {cases.filter(is_repeat=True).count()}，"
            f"交办 {cases.filter(route_kind='assign').count()}，简易办理 {cases.filter(procedure='simple').count()}，"
            f"延期 {cases.filter(extension_days__gt=0).count()}，"
            f"已评价 {Evaluation.objects.filter(case__in=cases).values('case').distinct().count()}）"
        )
        w(f"待办期限：已超期 {overdue} 件，7日内到期 {soon} 件")
        w(f"生成失败而跳过的信访件：{len(failed)} 件")
        for plan in failed[:10]:
            w(f"  · 第 {plan.index + 1} 件（目标状态「{Status(plan.target).label}」）：{plan.failure}")
        kinds_issued = sum(1 for kind in DocumentKind.values if documents.issued[kind])
        w(
            f"文书：签发 {documents.total} 份（{kinds_issued}/{len(DocumentKind.values)} 种，"
            f"含更正版本 {documents.corrected} 份），登记送达 {documents.delivered} 份，用时 {documents.seconds:.1f} 秒"
        )
        w(f"签发失败的文书：{len(documents.failures)} 份")
        for failure in documents.failures[:10]:
            w(f"  · {failure}")
        w("")
        w("各状态信访件数量：")
        w("")
        w("| 状态 | 件数 |")
        w("|---|---:|")
        for value, label in Status.choices:
            w(f"| {label} | {by_status.get(value, 0)} |")
        w("")
        w(f"演示账号（密码均为 {password}）：")
        w("")
        w("| 用户名 | 姓名 | 单位 | 角色 |")
        w("|---|---|---|---|")
        for login in county.logins:
            w(f"| {login.user.username} | {login.user.full_name} | {login.unit.name} | {login.roles} |")
