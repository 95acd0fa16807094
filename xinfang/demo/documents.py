"""The written documents of the demo items, issued through ``documents.services`` like a clerk would issue them.

The documents of acts (受理告知书, 不予受理告知书, 延期告知书, 处理意见书, 复查/复核意见书 …) are issued by the acts
themselves while the demo items run. Once every item has reached its state, the documents issued on demand —
转送单, 交办单, 异议函, 督办函, 提醒函 and 送达回证 — are issued for a few items each, dated on the day of the act
they record, in date order so that numbers run with the dates. Opinions delivered in person get their 送达回证,
and one 受理告知书 is corrected. A document that cannot be issued is
counted with its reason; it never stops the demo.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from xinfang.cases.models import Case, CaseEvent
from xinfang.cases.states import Status
from xinfang.demo.county import County
from xinfang.demo.planner import Plan
from xinfang.documents import services as ds
from xinfang.documents.models import DeliveryMethod, DocumentKind, IssuedDocument
from xinfang.orgs.models import User

K = DocumentKind
# Enough to show every kind and its numbering, few enough to keep the demo quick (a render takes ~0.1 s).
PER_KIND = 2
CORRECTION_REASON = "原受理告知书中承办人联系电话有误，予以更正"


@dataclass
class DocumentRun:
    issued: Counter[str] = field(default_factory=Counter)
    delivered: int = 0
    corrected: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.issued.values())


@dataclass
class _Task:
    on: dt.date
    kind: str
    case: Case
    perform: Callable[[], object]


def _last_event(case: Case, *actions: str) -> CaseEvent | None:
    return case.events.filter(action__in=actions).order_by("-effective_on", "-pk").first()


class DemoDocuments:
    def __init__(self, county: County, plans: list[Plan], today: dt.date, *, per_kind: int = PER_KIND) -> None:
        self.c = county
        self.plans = {p.case_pk: p for p in plans if p.case_pk is not None and not p.failure}
        self.today = today
        self.per_kind = per_kind
        self.result = DocumentRun()

    # --- who acts --------------------------------------------------------------------------------------

    def _registrar(self, case: Case) -> User:
        plan = self.plans[case.pk]
        return self.c.registrars[plan.index % len(self.c.registrars)]

    def _handler(self, case: Case) -> User | None:
        return self.c.handlers.get(case.current_unit_id) or self.c.heads.get(case.current_unit_id)

    def _objector(self, case: Case) -> User | None:
        """The 异议函 is written by the unit that objected; the item is back at the 信访部门 by then."""
        event = _last_event(case, "object")
        unit_id = event.actor_unit_id if event else None
        return self.c.handlers.get(unit_id) or self.c.heads.get(unit_id)

    # --- issuing ---------------------------------------------------------------------------------------

    def run(self) -> DocumentRun:
        started = time.perf_counter()
        tasks = self._tasks()
        for task in sorted(tasks, key=lambda t: (t.on, t.case.pk, t.kind)):
            try:
                with transaction.atomic():
                    task.perform()
            except Exception as exc:  # noqa: BLE001 (one bad document is reported, the demo goes on)
                label = DocumentKind(task.kind).label if task.kind in DocumentKind.values else "更正"
                self.result.failures.append(f"{task.case.number} {label}（{task.on:%Y-%m-%d}）：{exc}")
        self.result.seconds = time.perf_counter() - started
        # Every version issued in the demo, by the acts and here (a correction counts as its kind).
        kinds = IssuedDocument.objects.filter(case_id__in=list(self.plans)).values_list("kind", flat=True)
        self.result.issued = Counter(kinds)
        self.result.delivered = IssuedDocument.objects.filter(
            case_id__in=list(self.plans), delivered_on__isnull=False
        ).count()
        return self.result

    def _issue(self, case: Case, kind: str, actor: User | None, on: dt.date, extra: dict | None = None) -> IssuedDocument:
        return ds.document_issue(case=case, kind=kind, actor=actor, on=on, extra=extra)  # type: ignore[arg-type]

    def _cases(self, **filters) -> list[Case]:
        cases = Case.objects.filter(pk__in=list(self.plans), **filters).select_related("current_unit")
        return list(cases.distinct().order_by("received_on", "pk"))

    def _pick(self, cases: list[Case], kind: str, on: Callable[[Case], dt.date | None], make) -> list[_Task]:
        tasks = []
        for case in cases:
            if len(tasks) >= self.per_kind:
                break
            day = on(case)
            if day is None:
                continue
            tasks.append(_Task(day, kind, case, make(case, day)))
        return tasks

    def _event_day(self, *actions: str) -> Callable[[Case], dt.date | None]:
        def day(case: Case) -> dt.date | None:
            event = _last_event(case, *actions)
            return event.effective_on if event else None

        return day

    def _tasks(self) -> list[_Task]:
        # 受理告知书, 处理意见书, 复查意见书 … were issued by the acts themselves while the items ran; here come the
        # documents a clerk issues on demand, a receipt for delivered opinions, and one correction.
        t: list[_Task] = []
        t += self._pick(self._cases(status=Status.PENDING_SIGN, events__action="forward"), K.TRANSFER,
                        self._event_day("forward"), self._simple(K.TRANSFER, self._registrar))
        t += self._pick(self._cases(events__action="assign"), K.ASSIGNMENT,
                        self._event_day("assign"), self._simple(K.ASSIGNMENT, self._registrar))
        t += self._pick(self._cases(status=Status.OBJECTION), K.OBJECTION,
                        self._event_day("object"), self._simple(K.OBJECTION, self._objector))
        overdue = self._cases(status=Status.HANDLING, due_on__lt=self.today)
        t += self._pick(overdue, K.SUPERVISION_LETTER, lambda c: self.today, self._letter(K.SUPERVISION_LETTER))
        t += self._pick(overdue[self.per_kind:] or overdue, K.REMINDER_LETTER, lambda c: self.today,
                        self._letter(K.REMINDER_LETTER))
        delivered = self._cases(documents__kind__in=[K.REPLY, K.REVIEW_DECISION],
                                documents__delivery_method=DeliveryMethod.IN_PERSON)
        t += self._pick(delivered, K.DELIVERY_RECEIPT, self._delivered_day, self._receipt)
        accepted = self._cases(documents__kind=K.ACCEPTANCE_NOTICE, status=Status.HANDLING)[:1]
        t += self._pick(accepted, "correction", lambda c: self.today, self._correct)
        return t

    # Each maker returns what issuing one kind for one item does.

    def _simple(self, kind: str, who: Callable[[Case], User | None]):
        def make(case: Case, on: dt.date) -> Callable[[], object]:
            return lambda: self._issue(case, kind, who(case), on)

        return make

    def _delivered_opinion(self, case: Case) -> IssuedDocument | None:
        # The receipt is filed by the unit that has the item: an opinion of a unit the item has since left
        # (a 复查意见书 once the item is at the 复核 organ) gets none here.
        return (
            IssuedDocument.objects.filter(
                case=case, kind__in=[K.REPLY, K.REVIEW_DECISION], delivery_method=DeliveryMethod.IN_PERSON,
                issuing_unit=case.current_unit_id,
            )
            .order_by("-pk")
            .first()
        )

    def _delivered_day(self, case: Case) -> dt.date | None:
        doc = self._delivered_opinion(case)
        return doc.delivered_on if doc else None

    def _receipt(self, case: Case, on: dt.date) -> Callable[[], object]:
        def perform() -> None:
            doc = self._delivered_opinion(case)
            assert doc is not None
            actor = self.c.county_leader if doc.kind == K.REVIEW_DECISION else self._handler(case)
            people = self.plans[case.pk].petitioners
            receipt = {
                "document_kind": doc.kind,
                "document_number": doc.number,
                "method": str(DeliveryMethod.IN_PERSON.label),
                "delivered_on": doc.delivered_on,
                "signer": doc.delivery_signer,
                "deliverer": actor.full_name if actor else "",
                "address": getattr(people[0], "address", "") if people else "",
            }
            self._issue(case, K.DELIVERY_RECEIPT, actor, on, receipt)

        return perform

    def _correct(self, case: Case, on: dt.date) -> Callable[[], object]:
        def perform() -> None:
            doc = IssuedDocument.objects.filter(case=case, kind=K.ACCEPTANCE_NOTICE).order_by("-pk").first()
            assert doc is not None
            # One correction shows a second version under the same number, the first kept as issued.
            ds.document_correct(document=doc, actor=self._handler(case), reason=CORRECTION_REASON)  # type: ignore[arg-type]
            self.result.corrected += 1

        return perform

    def _letter(self, kind: str):
        def make(case: Case, on: dt.date) -> Callable[[], object]:
            overdue = (self.today - case.due_on).days if case.due_on else 0
            note = f"该件已超过办理期限{overdue}日，请抓紧办理，依法答复信访人。"
            if kind == K.REMINDER_LETTER:
                note = f"该件已超过办理期限{overdue}日，请关注办理进度，按期报告办理情况。"
            extra = {"note": note, "reply_by": self.today + dt.timedelta(days=7)}
            return lambda: self._issue(case, kind, self.c.supervisor, on, extra)

        return make
