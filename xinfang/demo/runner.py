"""Build the demo items: plan them, give them content, then replay every step day by day through the services.

Replaying in date order (rather than item by item) keeps item numbers in order of receipt and lets the daily
job (``run_daily_tick``) run once for every simulated day, exactly as it would in production: it concludes
items whose 复查/复核 request window lapsed and marks evaluations overdue.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from xinfang.cases import services as s
from xinfang.cases.choices import Channel
from xinfang.cases.models import Case, Category
from xinfang.cases.states import Status
from xinfang.cases.workflow import EVENT_LABELS, Action
from xinfang.core.errors import XinfangError
from xinfang.demo import content as text
from xinfang.demo.county import County
from xinfang.demo.planner import DAY, Plan, Step, _pick, allocate, scenario, schedule
from xinfang.orgs.models import Unit, UnitKind, User

_AGAIN = "此前已经反映过，问题至今没有得到解决，请求再次处理。"
# Step kinds that are not themselves workflow actions, mapped to the action whose label names them.
_LABEL_OF = {"forward_wrong": Action.FORWARD, "convert": Action.CONVERT_TO_NORMAL}


def step_label(kind: str) -> str:
    return EVENT_LABELS.get(_LABEL_OF.get(kind, kind), kind)


class StepRefused(XinfangError):
    """A service answered "no" without raising (a refused 复查/复核 request) or an expected effect is missing."""


class DemoBuilder:
    def __init__(self, county: County, *, items: int, seed: int, today: dt.date) -> None:
        self.c = county
        self.items = items
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self.plans: list[Plan] = []
        self._categories: dict[tuple[str, ...], Category | None] = {}

    # --- planning ---------------------------------------------------------------------------------------

    def plan(self) -> list[Plan]:
        deferred: list[Plan] = []
        for i, target in enumerate(allocate(self.items, self.rng)):
            kinds, kind, group, simple = scenario(target, self.rng)
            plan = Plan(index=i, target=target, kinds=kinds, topic_kind=kind, group=group, simple=simple)
            self.plans.append(plan)
            if target == Status.NOT_REACCEPTED:
                deferred.append(plan)  # dated after the item it repeats has been concluded
            elif not schedule(plan, self.rng, self.today):
                plan.failure = "无法安排符合期限要求的日期"
        self._cast([p for p in self.plans if not p.failure and p.target != Status.NOT_REACCEPTED])
        used: set[int] = set()
        for plan in deferred:
            self._plan_not_reaccepted(plan, used)
        return self.plans

    def _plan_not_reaccepted(self, plan: Plan, used: set[int]) -> None:
        latest = self.today - dt.timedelta(days=4)
        candidates = [
            p
            for p in self.plans
            if p.topic_kind == "general" and not p.failure and p.concluded_on and p.concluded_on <= latest
            and p.index not in used and p.target in (Status.CONCLUDED, Status.ARCHIVED)
        ]
        # 不再受理 is typical after 复核; fall back to any lawfully concluded item.
        preferred = [p for p in candidates if "rereview_decide" in p.kinds] or candidates
        if not preferred:
            plan.failure = "没有可作为前次信访件的已终结事项"
            return
        earlier = self.rng.choice(preferred)
        used.add(earlier.index)
        assert earlier.concluded_on is not None
        window = (earlier.concluded_on + 2 * DAY, min(self.today - 2 * DAY, earlier.concluded_on + 60 * DAY))
        if not schedule(plan, self.rng, self.today, received_range=window):
            plan.failure = "无法安排符合期限要求的日期"
            return
        self._copy(plan, earlier)

    def _cast(self, plans: list[Plan]) -> None:
        """Give every planned item its petitioners and texts, in order of receipt so repeats follow originals."""
        pool: list[Plan] = []
        for plan in sorted(plans, key=lambda p: (p.received_on, p.index)):
            if plan.topic_kind == "general":
                earlier = None
                if not plan.simple and not plan.group and self.rng.random() < 0.09:
                    candidates = [e for e in pool if not e.group and (plan.received_on - e.received_on).days >= 20]
                    if candidates:
                        earlier = self.rng.choice(candidates)
                if earlier is not None:
                    self._copy(plan, earlier)
                else:
                    pool_topics = [t for t in text.GENERAL if t.group_ok] if plan.group else list(text.GENERAL)
                    self._new(plan, self.rng.choice(pool_topics))
                pool.append(plan)
            else:
                topics = {"legal": text.LEGAL, "accusation": text.ACCUSATIONS, "consult": text.CONSULTS}[plan.topic_kind]
                self._new(plan, self.rng.choice(topics))

    def _new(self, plan: Plan, topic: text.Topic) -> None:
        rng = self.rng
        towns = self.c.townships
        if topic.rural:
            towns = [t for t in towns if any(v.name.endswith("村") for v in self.c.villages[t.pk])]
        town = rng.choice(towns)
        villages = self.c.villages[town.pk]
        village = rng.choice([v for v in villages if v.name.endswith("村")] if topic.rural else villages)
        plan.place = village if rng.random() < 0.8 else town
        plan.topic = topic
        dept = rng.choice(list(self.c.departments.values()))
        plan.filled = text.fill(
            topic, rng, township=town.name, village=village.name, place=f"{town.name}{village.name}", dept=dept.name
        )
        self._units(plan, town)
        if topic.kind == "accusation":
            plan.accused_unit = {"village": village, "township": town, "department": dept}[topic.accused]
            plan.is_confidential = rng.random() < 0.6
        unit_no = rng.randint(1, 12)
        door = f"{unit_no}栋{rng.randint(1, 6)}0{rng.randint(1, 4)}室" if village.name.endswith("社区") else f"{unit_no}组"
        address = f"清河县{town.name}{village.name}{door}"
        if plan.group:
            plan.people_count = rng.randint(5, 45)
            plan.petitioners = text.petitioners(
                rng, self.today, address, count=rng.randint(3, 5), representatives=True
            )
            plan.channel = Channel.VISIT
        else:
            count = 2 if rng.random() < 0.12 else 1
            plan.people_count = count
            plan.petitioners = text.petitioners(rng, self.today, address, count=count)
            plan.channel = self._channel(topic)
        plan.is_skip_level = plan.channel == Channel.VISIT and rng.random() < 0.06

    def _channel(self, topic: text.Topic) -> str:
        if topic.kind == "consult":
            return _pick(self.rng, [(Channel.CALL, 50), (Channel.ONLINE, 40), (Channel.VISIT, 10)])
        return _pick(
            self.rng,
            [(Channel.LETTER, 22), (Channel.VISIT, 28), (Channel.CALL, 12), (Channel.ONLINE, 35), (Channel.FAX, 3)],
        )

    def _units(self, plan: Plan, town: Unit) -> None:
        """The competent organ (承办单位) and, for objection paths, the organ the bureau wrongly picks first."""
        topic = plan.topic
        assert topic is not None
        deps = self.c.departments
        if topic.kind == "legal":
            plan.handler_unit = self.c.legal[topic.target]
            return
        if topic.kind == "accusation":
            plan.handler_unit = self.c.discipline
            return
        if topic.kind == "consult":
            return
        if topic.target == "township" or (topic.alt_target == "township" and self.rng.random() < 0.25):
            plan.handler_unit = town
            plan.wrong_unit = deps[topic.target] if topic.target in deps else deps[self.rng.choice(["RSJ", "ZRJ"])]
        else:
            plan.handler_unit = deps[topic.target]
            plan.wrong_unit = deps[topic.alt_target] if topic.alt_target in deps else town

    def _copy(self, plan: Plan, earlier: Plan) -> None:
        """A repeat (重件): the same petitioners on the same matter, linked to the earlier item."""
        assert earlier.filled is not None
        plan.repeat_of = earlier
        plan.topic = earlier.topic
        plan.filled = text.Filled(
            topic=earlier.filled.topic,
            title=f"再次反映：{earlier.filled.title.removeprefix('再次反映：')}",
            content=earlier.filled.content.removesuffix(_AGAIN) + _AGAIN,
            values=earlier.filled.values,
        )
        plan.place = earlier.place
        plan.handler_unit, plan.wrong_unit = earlier.handler_unit, earlier.wrong_unit
        plan.petitioners = list(earlier.petitioners)
        plan.people_count = earlier.people_count
        plan.channel = self._channel(earlier.topic) if earlier.topic else Channel.LETTER

    # --- running ----------------------------------------------------------------------------------------

    def run(self) -> None:
        by_day: dict[dt.date, list[tuple[int, int, Plan, Step]]] = defaultdict(list)
        for plan in self.plans:
            if plan.failure:
                continue
            for i, step in enumerate(plan.steps):
                by_day[step.on].append((plan.index, i, plan, step))
        if not by_day:
            return
        day = min(by_day)
        late = self._late_request_plan()
        while day <= self.today:
            if late is not None and late.steps[-1].on == day and not late.failure:
                self._late_request(late, day)
            # The daily job runs in the small hours, before anyone works on that day's items.
            s.run_daily_tick(today=day)
            for _, i, plan, step in sorted(by_day.get(day, ()), key=lambda row: row[:2]):
                if plan.failure:
                    continue
                try:
                    with transaction.atomic():
                        self._perform(plan, step, i)
                except XinfangError as exc:
                    plan.failure = f"{step_label(step.kind)}（{step.on:%Y-%m-%d}）：{exc}"
            day += DAY

    def _late_request_plan(self) -> Plan | None:
        """An item whose 复查 window lapses: its petitioner's request arrives the morning after (refused)."""
        for plan in self.plans:
            kinds = [step.kind for step in plan.steps]
            if not plan.failure and kinds[-2:] == ["deliver", "lapse"] and plan.topic_kind == "general":
                return plan
        return None

    def _late_request(self, plan: Plan, day: dt.date) -> None:
        # Recorded before the daily job concludes the item: a refused request leaves its state as it was.
        try:
            with transaction.atomic():
                result = s.case_request_review(
                    case=Case.objects.get(pk=plan.case_pk), actor=self.c.county_leader, received_on=day,
                    reason=text.REVIEW_REASONS[0],
                )
        except XinfangError as exc:
            plan.failure = f"逾期复查申请（{day:%Y-%m-%d}）：{exc}"
            return
        if result.accepted:
            plan.failure = f"逾期复查申请（{day:%Y-%m-%d}）应不予受理，实际被受理"

    def _registrar(self, plan: Plan) -> User:
        return self.c.registrars[plan.index % len(self.c.registrars)]

    def _handler(self, unit: Unit) -> User:
        return self.c.handlers[unit.pk]

    def _category(self, names: tuple[str, ...]) -> Category | None:
        if names not in self._categories:
            node = Category.objects.filter(level=1, name=names[0]).first()
            for name in names[1:]:
                child = Category.objects.filter(parent=node, name=name).first() if node else None
                if child is None:
                    break
                node = child
            self._categories[names] = node
        return self._categories[names]

    def _perform(self, plan: Plan, step: Step, index: int) -> None:
        rng = random.Random(self.seed * 1_000_003 + plan.index * 101 + index)
        if step.kind in ("register", "register_direct"):
            self._register(plan, step)
            return
        # Services return the item as they left it, so the next step starts from that object; only the daily
        # job changes items behind our back, and the step after it (the lapse check) reloads.
        plan.case = _ACTIONS[step.kind](self, plan, step, plan.case, rng)

    def _register(self, plan: Plan, step: Step) -> None:
        topic, filled = plan.topic, plan.filled
        assert topic is not None and filled is not None
        earlier = []
        if plan.repeat_of is not None and plan.repeat_of.case_pk is not None:
            earlier = [Case.objects.get(pk=plan.repeat_of.case_pk)]
        direct = step.kind == "register_direct"
        data = s.RegistrationInput(
            channel=plan.channel,
            received_on=step.on,
            title=filled.title[:200],
            content=filled.content,
            claim_type=topic.claim,
            purpose=topic.purpose,
            petitioners=plan.petitioners,
            people_count=plan.people_count,
            category=self._category(topic.category),
            problem_place=plan.place,
            problem_address=f"清河县{filled.values['township']}{filled.values['village']}",
            # A group visit names the responsible organ at once so its head is alerted (decisions §4).
            responsible_unit=plan.handler_unit if plan.group else None,
            accused_unit=plan.accused_unit,
            accused_person=filled.values["other"] if plan.accused_unit is not None else "",
            is_confidential=plan.is_confidential,
            is_skip_level=plan.is_skip_level,
            earlier_items=earlier,
        )
        if direct:
            case = s.case_register(actor=self._handler(plan.handler_unit), unit=plan.handler_unit, data=data)
        else:
            case = s.case_register(actor=self._registrar(plan), unit=self.c.bureau, data=data)
        plan.case_pk, plan.case = case.pk, case
        # case_report_major takes no date, so it is only used for a group visit that arrives today.
        if plan.group and plan.target == Status.ROUTING and step.on == self.today:
            s.case_report_major(
                case=case, actor=self._registrar(plan), note="集体访人数较多，涉及群众切身利益，报请县委县政府研究处理"
            )

    # Each handler below performs one kind of step through the matching service.

    def _forward(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        target = plan.wrong_unit if step.kind == "forward_wrong" else plan.handler_unit
        due = step.params.get("assign_due_on")
        note = "请于交办期限内办结并报告办理结果" if due else "请按规定受理办理，并在法定期限内答复信访人"
        return s.case_forward(case=case, actor=self._registrar(plan), target=target, on=step.on, note=note, assign_due_on=due)

    def _object(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        if case.current_unit_id == plan.handler_unit.pk:
            other = plan.wrong_unit
            reason = f"该事项主要涉及{other.short_name or other.name}的职责，建议改由其牵头办理"
        else:
            right = plan.handler_unit
            reason = f"该事项属于{right.short_name or right.name}法定职责范围，不属于本单位职责，建议改转其办理"
        return s.case_object(case=case, actor=self._handler(case.current_unit), reason=reason, on=step.on)

    def _decide_objection(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        approve = step.kind == "approve_objection"
        note = "异议理由成立，收回重新分流" if approve else "经审核，该事项属于贵单位法定职责范围，异议理由不成立，请按规定办理"
        return s.case_decide_objection(case=case, actor=self._registrar(plan), approve=approve, note=note, on=step.on)

    def _sign(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        return s.case_sign(case=case, actor=self._handler(case.current_unit), on=step.on)

    def _accept(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        simple = step.kind == "accept_simple"
        note = "事实清楚、争议不大，适用简易办理" if simple else "已向信访人出具受理告知书"
        return s.case_accept(case=case, actor=self._handler(case.current_unit), simple=simple, on=step.on, note=note)

    def _convert(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        return s.case_convert_to_normal(
            case=case, actor=self._handler(case.current_unit), reason="需要多部门会商，不适宜简易办理", on=step.on
        )

    def _extend(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        return s.case_extend(
            case=case,
            actor=self.c.heads[case.current_unit_id],
            days=step.params["days"],
            reason=rng.choice(text.EXTENSION_REASONS),
            on=step.on,
        )

    def _mediate(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        assert plan.topic is not None and plan.filled is not None
        agreement = plan.filled.text(plan.topic.mediation) or "经调解，双方就诉求事项达成和解协议，信访人表示认可"
        return s.case_mediate(case=case, actor=self._handler(case.current_unit), agreement=agreement, on=step.on)

    def _reply(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        topic, filled = plan.topic, plan.filled
        assert topic is not None and filled is not None
        unit = case.current_unit
        requests = [filled.text(r) for r in topic.requests]
        outcomes = []
        for request in requests:
            if topic.claim == "suggestion":
                outcome = _pick(rng, [("support", 50), ("explain", 50)])
            else:
                outcome = _pick(rng, [("support", 55), ("explain", 30), ("reject", 15)])
            explanation = {"support": "", "explain": "已向信访人解释相关政策规定", "reject": "该项请求缺乏事实和法律依据"}
            outcomes.append(s.RequestOutcome(request=request, outcome=outcome, explanation=explanation[outcome]))
        doc = s.OpinionInput(
            request_summary="；".join(requests),
            facts=filled.text(topic.facts),
            opinion=filled.text(topic.opinion),
            legal_basis=topic.basis,
        )
        return s.case_reply(case=case, actor=self._handler(unit), doc=doc, items=outcomes, on=step.on)

    def _deliver(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        method, signer = self._delivery(plan, rng)
        return s.case_deliver(
            case=case, actor=self._handler(case.current_unit), delivered_on=step.on, method=method, signer=signer
        )

    def _delivery(self, plan: Plan, rng: random.Random) -> tuple[str, str]:
        """How an opinion reached the petitioner: mostly handed over and signed for, otherwise by post."""
        if plan.petitioners and rng.random() < 0.7:
            return "in_person", plan.petitioners[0].name
        return "post", ""

    def _evaluate(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        weights = [("satisfied", 60), ("basic", 25), ("unsatisfied", 15)]
        return s.case_evaluate(
            case=case, bureau=_pick(rng, weights), unit=_pick(rng, weights), comment=rng.choice(text.EVALUATION_COMMENTS),
            on=step.on,
        )

    def _request_review(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        result = s.case_request_review(
            case=case, actor=self.c.county_leader, received_on=step.on, reason=rng.choice(text.REVIEW_REASONS)
        )
        if not result.accepted:
            raise StepRefused(result.reason)
        return result.case

    def _request_rereview(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        result = s.case_request_rereview(
            case=case, actor=self.c.city_reviewer, received_on=step.on, reason=rng.choice(text.REREVIEW_REASONS)
        )
        if not result.accepted:
            raise StepRefused(result.reason)
        return result.case

    def _review(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        rereview = step.kind.startswith("rereview")
        outcome = "redo" if step.kind.endswith("redo") else step.params["outcome"]
        original = case.first_handling_unit or case.responsible_unit
        name = original.name if original else "原办理单位"
        if rereview:
            basis, actor = "《信访工作条例》第三十六条", self.c.city_reviewer
            facts = f"经复核，{self.c.county.name}作出的复查意见及{name}作出的处理意见所依据的事实已调查核实。"
        else:
            basis, actor = "《信访工作条例》第三十五条", self.c.county_leader
            facts = f"经复查，{name}作出的处理意见所依据的事实已调查核实。"
        decided = f"{self.c.county.name}作出的复查意见" if rereview else f"{name}作出的处理意见"
        opinion = {
            "uphold": f"{decided}认定事实清楚、适用依据正确，予以维持。",
            "revoke": f"{decided}部分内容不当，予以变更，责成{name}在30日内按本意见落实。",
            "redo": f"{name}作出的处理意见认定事实不清，责令其重新办理并重新出具处理意见。",
        }[outcome]
        doc = s.OpinionInput(
            request_summary="请求撤销原意见，重新处理",
            facts=facts,
            opinion=opinion,
            legal_basis=basis,
        )
        decide = s.case_rereview_decide if rereview else s.case_review_decide
        method, signer = self._delivery(plan, rng)
        return decide(case=case, actor=actor, outcome=outcome, doc=doc, delivered_on=step.on, method=method,
                      signer=signer)

    def _hearing(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        if step.kind == "start_hearing":
            note = "组织复核听证，邀请人大代表、政协委员、律师和群众代表参加"
            return s.case_start_hearing(case=case, actor=self.c.city_reviewer, on=step.on, note=note)
        else:
            return s.case_end_hearing(case=case, actor=self.c.city_reviewer, on=step.on, note="听证结束，听证意见已记录在案")

    def _lapse(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        # Nothing to do: the daily job ran at the start of this day. Only check that it did its work.
        case = Case.objects.get(pk=case.pk)
        if case.status != Status.CONCLUDED:
            raise StepRefused(f"申请期限届满后应由每日任务终结，实际状态为「{case.get_status_display()}」")
        return case

    def _archive(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        unit = case.registering_unit
        actor = self._registrar(plan) if unit.kind == UnitKind.BUREAU else self.c.heads[unit.pk]
        return s.case_archive(case=case, actor=actor, on=step.on)

    def _route_special(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        note = (
            "涉法涉诉事项，依法转政法部门处理"
            if step.kind == "route_legal"
            else "检举控告事项，转纪检监察机关依规依纪依法处理"
        )
        return s.case_route_special(case=case, actor=self._registrar(plan), target=plan.handler_unit, note=note, on=step.on)

    def _file(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        assert plan.topic is not None
        reason = text.FILE_REASONS[1] if plan.topic.key == "thanks" else text.FILE_REASONS[0]
        return s.case_file(case=case, actor=self._registrar(plan), reason=reason, on=step.on)

    def _decline(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        if step.kind == "decline":
            return s.case_decline(case=case, actor=self._registrar(plan), ground=rng.choice(text.DECLINE_GROUNDS), on=step.on)
        else:
            actor = self._handler(case.current_unit)
            return s.case_decline(case=case, actor=actor, ground=rng.choice(text.REFUSE_GROUNDS), on=step.on)

    def _redirect(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        assert plan.topic is not None and plan.filled is not None
        procedure = plan.filled.text(plan.topic.redirect) or "已告知信访人通过行政复议、诉讼等法定途径解决"
        return s.case_redirect(case=case, actor=self._handler(case.current_unit), procedure=procedure, on=step.on)

    def _not_reaccept(self, plan: Plan, step: Step, case: Case, rng: random.Random) -> Case:
        if plan.repeat_of is None or plan.repeat_of.case_pk is None:
            raise StepRefused("前次信访件未能生成")
        earlier = Case.objects.get(pk=plan.repeat_of.case_pk)
        reason = "信访人以同一事实和理由再次提出信访，该事项已依法办理终结，根据《信访工作条例》第三十六条不再受理"
        return s.case_not_reaccept(case=case, actor=self._registrar(plan), earlier=earlier, reason=reason, on=step.on)


_Action = Callable[[DemoBuilder, Plan, Step, Case, random.Random], Case]
_ACTIONS: dict[str, _Action] = {
    "forward": DemoBuilder._forward,
    "assign": DemoBuilder._forward,
    "forward_wrong": DemoBuilder._forward,
    "object": DemoBuilder._object,
    "approve_objection": DemoBuilder._decide_objection,
    "reject_objection": DemoBuilder._decide_objection,
    "sign": DemoBuilder._sign,
    "accept": DemoBuilder._accept,
    "accept_simple": DemoBuilder._accept,
    "convert": DemoBuilder._convert,
    "extend": DemoBuilder._extend,
    "mediate": DemoBuilder._mediate,
    "reply": DemoBuilder._reply,
    "deliver": DemoBuilder._deliver,
    "evaluate": DemoBuilder._evaluate,
    "request_review": DemoBuilder._request_review,
    "review_decide": DemoBuilder._review,
    "review_redo": DemoBuilder._review,
    "request_rereview": DemoBuilder._request_rereview,
    "start_hearing": DemoBuilder._hearing,
    "end_hearing": DemoBuilder._hearing,
    "rereview_decide": DemoBuilder._review,
    "rereview_redo": DemoBuilder._review,
    "lapse": DemoBuilder._lapse,
    "archive": DemoBuilder._archive,
    "route_legal": DemoBuilder._route_special,
    "route_discipline": DemoBuilder._route_special,
    "file": DemoBuilder._file,
    "decline": DemoBuilder._decline,
    "refuse": DemoBuilder._decline,
    "redirect": DemoBuilder._redirect,
    "not_reaccept": DemoBuilder._not_reaccept,
}
