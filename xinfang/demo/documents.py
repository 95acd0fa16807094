"""The written documents of the demo items, issued through ``documents.services`` like a clerk would issue them.

Once every item has reached its state, each kind of document is issued for a few items in the state it is
written in, dated on the day of the act it records (受理告知书 on the day of acceptance, 处理意见书 on the day
of the reply …), in date order so that numbers run with the dates. Replies and 复查意见书 are delivered, which
fixes the petitioner's remedy deadline, and one document is corrected. A document that cannot be issued is
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
        self._corrected = False

    # --- who acts --------------------------------------------------------------------------------------

    def _registrar(self, case: Case) -> User:
        plan = self.plans[case.pk]
        return self.c.registrars[plan.index % len(self.c.registrars)]

    def _handler(self, case: Case) -> User | None:
        return self.c.handlers.get(case.current_unit_id) or self.c.heads.get(case.current_unit_id)

    # --- issuing ---------------------------------------------------------------------------------------

    def run(self) -> DocumentRun:
        started = time.perf_counter()
        tasks = self._tasks()
        for task in sorted(tasks, key=lambda t: (t.on, t.case.pk, t.kind)):
            try:
                with transaction.atomic():
                    task.perform()
            except Exception as exc:  # noqa: BLE001 (one bad document is reported, the demo goes on)
                label = DocumentKind(task.kind).label
                self.result.failures.append(f"{task.case.number} {label}（{task.on:%Y-%m-%d}）：{exc}")
        self.result.seconds = time.perf_counter() - started
        return self.result

    def _issue(self, case: Case, kind: str, actor: User | None, on: dt.date, extra: dict | None = None) -> IssuedDocument:
        doc = ds.document_issue(case=case, kind=kind, actor=actor, on=on, extra=extra)  # type: ignore[arg-type]
        self.result.issued[kind] += 1
        return doc

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
        t: list[_Task] = []
        t += self._pick(self._cases(status=Status.HANDLING, accepted_on__isnull=False), K.ACCEPTANCE_NOTICE,
                        lambda c: c.accepted_on, self._acceptance)
        t += self._pick(self._cases(status=Status.NOT_ACCEPTED), K.REFUSAL_NOTICE,
                        self._event_day("decline", "refuse"), self._refusal)
        t += self._pick(self._cases(status=Status.NOT_REACCEPTED), K.NO_FURTHER_NOTICE,
                        self._event_day("not_reaccept"), self._simple(K.NO_FURTHER_NOTICE, self._registrar))
        t += self._pick(self._cases(status=Status.EXTENDED), K.EXTENSION_NOTICE,
                        self._event_day("extend"), self._simple(K.EXTENSION_NOTICE, self._handler))
        t += self._pick(self._cases(status=Status.REPLIED), K.REPLY, self._event_day("reply"), self._reply)
        t += self._pick(self._cases(status=Status.DELIVERED), K.REPLY, self._event_day("reply"), self._reply)
        t += self._pick(self._cases(status=Status.REVIEW_DELIVERED), K.REVIEW_DECISION,
                        self._event_day("review_decide"), self._review)
        rereviewed = self._cases(events__action="rereview_decide")
        t += self._pick(rereviewed, K.REREVIEW_DECISION, self._event_day("rereview_decide"),
                        self._simple(K.REREVIEW_DECISION, lambda c: self.c.city_reviewer))
        refused = self._cases(events__action__in=["refuse_review", "refuse_rereview"])
        t += self._pick(refused, K.REQUEST_REFUSAL_NOTICE, self._event_day("refuse_review", "refuse_rereview"),
                        self._request_refusal)
        t += self._pick(self._cases(status=Status.PENDING_SIGN, events__action="forward"), K.TRANSFER,
                        self._event_day("forward"), self._simple(K.TRANSFER, self._registrar))
        t += self._pick(self._cases(events__action="assign"), K.ASSIGNMENT,
                        self._event_day("assign"), self._simple(K.ASSIGNMENT, self._registrar))
        t += self._pick(self._cases(status=Status.OBJECTION), K.OBJECTION,
                        self._event_day("object"), self._simple(K.OBJECTION, self._handler))
        overdue = self._cases(status=Status.HANDLING, due_on__lt=self.today)
        t += self._pick(overdue, K.SUPERVISION_LETTER, lambda c: self.today, self._letter(K.SUPERVISION_LETTER))
        t += self._pick(overdue[self.per_kind:] or overdue, K.REMINDER_LETTER, lambda c: self.today,
                        self._letter(K.REMINDER_LETTER))
        return t

    # Each maker returns what issuing one kind for one item does.

    def _simple(self, kind: str, who: Callable[[Case], User | None]):
        def make(case: Case, on: dt.date) -> Callable[[], object]:
            return lambda: self._issue(case, kind, who(case), on)

        return make

    def _acceptance(self, case: Case, on: dt.date) -> Callable[[], object]:
        def perform() -> None:
            actor = self._handler(case)
            doc = self._issue(case, K.ACCEPTANCE_NOTICE, actor, on)
            if not self._corrected:
                # One correction shows a second version under the same number, the first kept as issued.
                ds.document_correct(document=doc, actor=actor, reason=CORRECTION_REASON)  # type: ignore[arg-type]
                self._corrected = True
                self.result.corrected += 1

        return perform

    def _refusal(self, case: Case, on: dt.date) -> Callable[[], object]:
        bureau = case.current_unit_id == self.c.bureau.pk
        actor = self._registrar(case) if bureau else self._handler(case)
        return lambda: self._issue(case, K.REFUSAL_NOTICE, actor, on, {"route": "procedure"})

    def _deliver(self, doc: IssuedDocument, actor: User | None, case: Case, delivered_on: dt.date) -> None:
        # The demo knows whom it registered; the item's petitioners are read only through the disclosure function.
        people = self.plans[case.pk].petitioners
        petitioner = people[0] if people else None
        signer = petitioner.name if petitioner else "信访人"
        ds.document_record_delivery(
            document=doc, actor=actor, delivered_on=delivered_on, method=DeliveryMethod.IN_PERSON, signer=signer  # type: ignore[arg-type]
        )
        self.result.delivered += 1
        receipt = {
            "document_kind": doc.kind,
            "document_number": doc.number,
            "method": str(DeliveryMethod.IN_PERSON.label),
            "delivered_on": delivered_on,
            "signer": signer,
            "deliverer": actor.full_name if actor else "",
            "address": getattr(petitioner, "address", ""),
        }
        self._issue(case, K.DELIVERY_RECEIPT, actor, delivered_on, receipt)

    def _reply(self, case: Case, on: dt.date) -> Callable[[], object]:
        def perform() -> None:
            actor = self._handler(case)
            doc = self._issue(case, K.REPLY, actor, on)
            if case.status == Status.DELIVERED and case.reply_delivered_on:
                self._deliver(doc, actor, case, case.reply_delivered_on)

        return perform

    def _review(self, case: Case, on: dt.date) -> Callable[[], object]:
        def perform() -> None:
            actor = self.c.county_leader
            doc = self._issue(case, K.REVIEW_DECISION, actor, on)
            if case.review_delivered_on:
                self._deliver(doc, actor, case, case.review_delivered_on)

        return perform

    def _request_refusal(self, case: Case, on: dt.date) -> Callable[[], object]:
        rereview = _last_event(case, "refuse_review", "refuse_rereview")
        actor = self.c.city_reviewer if rereview and rereview.action == "refuse_rereview" else self.c.county_leader
        return lambda: self._issue(case, K.REQUEST_REFUSAL_NOTICE, actor, on)

    def _letter(self, kind: str):
        def make(case: Case, on: dt.date) -> Callable[[], object]:
            overdue = (self.today - case.due_on).days if case.due_on else 0
            note = f"该件已超过办理期限{overdue}日，请抓紧办理，依法答复信访人。"
            if kind == K.REMINDER_LETTER:
                note = f"该件已超过办理期限{overdue}日，请关注办理进度，按期报告办理情况。"
            extra = {"note": note, "reply_by": self.today + dt.timedelta(days=7)}
            return lambda: self._issue(case, kind, self.c.supervisor, on, extra)

        return make
