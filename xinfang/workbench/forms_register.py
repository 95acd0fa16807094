"""登记: one form for every channel, its petitioner rows, and the links to earlier items.

The form gives a Chinese message beside each field first; ``cases.services.case_register`` then validates
everything again and stays the only write path. Nothing here writes.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from xinfang.cases.choices import MAX_REPRESENTATIVES, Channel, ClaimType, Purpose
from xinfang.cases.models import Case, Category
from xinfang.cases.selectors import cases_visible_to
from xinfang.cases.services import PetitionerInput, RegistrationInput, UploadInput
from xinfang.cases.validators import (
    EARLIEST_RECEIVED_ON,
    ascii_int,
    check_received_on,
    check_upload,
    normalize_id_number,
    normalize_phone,
)
from xinfang.core import clock
from xinfang.core.errors import ValidationFailed, XinfangError
from xinfang.core.forms import MultipleFileField
from xinfang.orgs import policies
from xinfang.orgs.models import Unit, UnitKind, User
from xinfang.orgs.permissions import Perm
from xinfang.workbench.forms_fields import AsciiIntegerField

PETITIONER_PREFIX = "petitioners"
BLANK_PETITIONER_ROWS = 3
MAX_PETITIONER_ROWS = 200  # a 联名信 can carry many names; the bound keeps a forged TOTAL_FORMS harmless
_NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")
_EMPTY = ("", "—— 请选择 ——")


def units_for_registration(user: User) -> list[Unit]:
    """Units where ``user`` may register: their own unit first, then each unit a register grant names."""
    candidates: list[Unit] = [user.unit] if user.unit is not None else []
    candidates += Unit.objects.filter(pk__in=policies.granted_unit_ids(user)).order_by("path")
    result: list[Unit] = []
    for unit in candidates:
        if unit.is_active and unit not in result and policies.can(user, Perm.REGISTER, unit):
            result.append(unit)
    return result


def receiving_note(unit: Unit) -> str:
    if unit.kind == UnitKind.BUREAU:
        return "信访部门收件：登记后进入分流"
    return "直接收件：登记后由本单位决定是否受理并告知信访人"


class GroupedObjectField(forms.ChoiceField):
    """A select with ``<optgroup>``s whose cleaned value is the chosen object, or None when left empty."""

    def set_groups(self, groups: list[tuple[str, list[tuple[object, str]]]]) -> None:
        self._objects = {str(obj.pk): obj for _, options in groups for obj, _ in options}
        self.choices = [_EMPTY] + [
            (group, [(str(obj.pk), label) for obj, label in options]) for group, options in groups if options
        ]

    def clean(self, value):
        value = super().clean(value)
        return self._objects.get(value) if value else None


def _category_groups() -> list[tuple[str, list[tuple[object, str]]]]:
    # Three levels in one select: a first-level class is a group; its own row stands for "not narrowed".
    children: dict[int | None, list[Category]] = defaultdict(list)
    for cat in Category.objects.filter(is_active=True).order_by("code"):
        children[cat.parent_id].append(cat)
    groups = []
    for top in children[None]:
        options: list[tuple[object, str]] = [(top, f"{top.name}（未细分）")]
        for second in children[top.pk]:
            options.append((second, second.name))
            options += [(third, f"{second.name}_{third.name}") for third in children[second.pk]]
        groups.append((top.name, options))
    return groups


def _place_groups() -> list[tuple[str, list[tuple[object, str]]]]:
    units = Unit.objects.filter(is_active=True, kind__in=[UnitKind.TOWNSHIP, UnitKind.VILLAGE]).order_by(
        "path"
    )
    groups: list[tuple[str, list[tuple[object, str]]]] = []
    for unit in units:
        if unit.kind == UnitKind.TOWNSHIP:
            groups.append((unit.name, [(unit, f"{unit.name}（本级）")]))
        elif groups and unit.path.startswith(groups[-1][1][0][0].path):
            groups[-1][1].append((unit, unit.name))
    return groups


def _units_by_kind(kinds: list[str]) -> list[tuple[str, list[tuple[object, str]]]]:
    by_kind: dict[str, list[tuple[object, str]]] = defaultdict(list)
    for unit in Unit.objects.filter(is_active=True, kind__in=kinds).order_by("path"):
        by_kind[unit.kind].append((unit, unit.name))
    return [(UnitKind(kind).label, by_kind[kind]) for kind in kinds]




class CaseIdsField(forms.Field):
    """The ids of earlier items ticked as 「关联为重件」 (several inputs of one name)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        ids = []
        for raw in value or []:
            number = ascii_int(raw)
            if number is None:
                raise ValidationError("关联的前次信访件无效，请重新选择")
            ids.append(number)
        return ids


def _visible_cases(user: User, **lookup) -> list[Case]:
    return list(cases_visible_to(user).filter(**lookup).order_by("-received_on", "-pk"))


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegisterForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="登记单位",
        queryset=Unit.objects.none(),
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": "只能在您有登记权限的单位登记，请重新选择登记单位"},
    )
    channel = forms.ChoiceField(
        label="信访形式",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择信访形式"},
    )
    received_on = forms.DateField(
        label="收到日期",
        widget=_date_widget(),
        error_messages={"required": "请填写收到日期", "invalid": "收到日期格式应为 年-月-日，如 2026-11-26"},
    )
    title = forms.CharField(
        label="标题",
        max_length=200,
        help_text="信访事项的简要概括，如「东街村道路硬化工程拖欠工人工资」",
        error_messages={"required": "请填写标题（信访事项的简要概括）", "max_length": "标题不能超过200字"},
    )
    content = forms.CharField(
        label="诉求内容",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="写明事实、理由和请求；口头反映的应如实记录（《信访工作条例》第十九条）",
        error_messages={"required": "请填写诉求内容：事实、理由和请求"},
    )
    claim_type = forms.ChoiceField(
        label="诉求类型", choices=[_EMPTY, *ClaimType.choices], error_messages={"required": "请选择诉求类型"}
    )
    purpose = forms.ChoiceField(
        label="信访目的", choices=[_EMPTY, *Purpose.choices], error_messages={"required": "请选择信访目的"}
    )
    category = GroupedObjectField(label="内容分类", required=False)
    problem_place = GroupedObjectField(
        label="问题属地", required=False, help_text="问题发生地所在的乡镇（街道）或村（社区）"
    )
    problem_address = forms.CharField(label="问题发生地址", max_length=200, required=False)
    responsible_unit = GroupedObjectField(
        label="拟定责任单位", required=False, help_text="可暂不选择，分流或受理时再确定"
    )
    is_skip_level = forms.BooleanField(label="越级信访", required=False)
    is_confidential = forms.BooleanField(label="信访人要求对身份保密", required=False)
    accused_unit = GroupedObjectField(
        label="被反映单位",
        required=False,
        help_text="该单位及其下级单位看不到信访人身份和材料，也不能成为本件的转送对象",
    )
    accused_person = forms.CharField(label="被反映人", max_length=100, required=False, help_text="姓名及职务")
    accused_unit_unknown = forms.BooleanField(
        label="被反映单位不明",
        required=False,
        help_text="确实无法确定时勾选；确定被反映单位之前，本件不能转送、交办给任何单位",
    )
    people_count = AsciiIntegerField(
        label="信访人数",
        required=False,
        min_value=1,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="不填时按已填写的信访人计数；5人及以上为集体访",
        error_messages={
            "min_value": "信访人数至少为1",
            "max_value": "信访人数不能超过100000",
            "invalid": "信访人数请用阿拉伯数字 0–9 填写整数",
        },
    )
    earlier_items = CaseIdsField(label="关联的前次信访件", required=False)
    earlier_numbers = forms.CharField(
        label="关联前次信访件编号",
        required=False,
        max_length=2000,
        help_text="同一信访人就同一事项此前的信访件编号，多个用逗号分隔；关联后本件登记为重件",
    )
    attachments = MultipleFileField(label="附件", required=False)
    # One-time token, new for each blank form and kept when the form comes back with errors: a retried POST
    # or a double click registers the petition once (cases.services.case_register).
    submission_token = forms.CharField(
        label="登记表单",
        required=False,
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={"max_length": "登记表单已失效，请刷新页面后重新填写"},
    )

    def __init__(self, *args, user: User, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_token"].initial = secrets.token_urlsafe(32)
        self.user = user
        self.units = units
        unit_field = self.fields["unit"]
        unit_field.queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
        unit_field.label_from_instance = lambda u: f"{u.name}（{receiving_note(u)}）"
        unit_field.initial = units[0].pk
        if len(units) == 1:
            unit_field.widget = forms.HiddenInput()
        self.fields["received_on"].initial = clock.today
        self.fields["received_on"].widget.attrs.update(
            max=clock.today().isoformat(), min=EARLIEST_RECEIVED_ON.isoformat()
        )
        self.fields["category"].set_groups(_category_groups())
        self.fields["problem_place"].set_groups(_place_groups())
        self.fields["responsible_unit"].set_groups(
            _units_by_kind(
                [UnitKind.DEPARTMENT, UnitKind.LEGAL, UnitKind.DISCIPLINE, UnitKind.TOWNSHIP, UnitKind.COUNTY]
            )
        )
        self.fields["accused_unit"].set_groups(
            _units_by_kind([k for k in UnitKind.values if k != UnitKind.CITY])
        )
        types = sorted(settings.XINFANG_ATTACHMENT_TYPES)
        attachments = self.fields["attachments"]
        attachments.widget.attrs["accept"] = ",".join(types)
        attachments.help_text = (
            f"可一次选择多个文件。可上传：{'、'.join(types)}；"
            f"单个文件不超过 {settings.XINFANG_ATTACHMENT_MAX_BYTES // 1048576} MB"
        )

    def clean_unit(self) -> Unit:
        # The hidden single-unit case posts the id too; an empty value means "my only unit".
        return self.cleaned_data.get("unit") or self.units[0]

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        try:
            check_received_on(value, clock.today())
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from exc
        return value

    def clean_earlier_items(self) -> list[Case]:
        ids = self.cleaned_data["earlier_items"]
        if not ids:
            return []
        found = _visible_cases(self.user, pk__in=ids)
        if len(found) != len(set(ids)):
            # Same wording whether the item does not exist or is another unit's: nothing to probe.
            raise ValidationError("所选的前次信访件不存在或您无权查看，请重新选择")
        return found

    def clean_earlier_numbers(self) -> list[Case]:
        numbers = {n.upper() for n in _NUMBER_SEPARATORS.split(self.cleaned_data["earlier_numbers"]) if n}
        if not numbers:
            return []
        found = _visible_cases(self.user, number__in=numbers)
        missing = sorted(numbers - {c.number for c in found})
        if missing:
            raise ValidationError(f"未找到编号为 {'、'.join(missing)} 的信访件，或您无权查看，请核对编号")
        return found

    def clean_attachments(self) -> list:
        problems = []
        for upload in self.cleaned_data["attachments"]:
            head = upload.read(16)
            upload.seek(0)
            try:
                check_upload(
                    upload.name,
                    head,
                    upload.size,
                    allowed=settings.XINFANG_ATTACHMENT_TYPES,
                    max_bytes=settings.XINFANG_ATTACHMENT_MAX_BYTES,
                )
            except ValidationFailed as exc:
                problems.append(exc.message)
        if problems:
            raise ValidationError(problems)
        return self.cleaned_data["attachments"]

    def clean(self):
        data = super().clean()
        if data.get("claim_type") != ClaimType.ACCUSATION:
            # The 检举控告 fields are only hidden by the script when another type is chosen; values left in
            # them must not be recorded against an item that accuses no one.
            data["accused_unit"], data["accused_person"] = None, ""
            data["accused_unit_unknown"] = False
        elif data.get("accused_unit") is None and not data.get("accused_unit_unknown"):
            self.add_error(
                "accused_unit",
                "检举控告件请选择被反映单位；确实不明的，请勾选「被反映单位不明」（《信访工作条例》第三十条）",
            )
        elif data.get("accused_unit") is not None and data.get("accused_unit_unknown"):
            self.add_error("accused_unit_unknown", "已选择被反映单位，请不要再勾选「被反映单位不明」")
        accused, responsible = data.get("accused_unit"), data.get("responsible_unit")
        if accused is not None and responsible is not None and responsible.is_within(accused):
            self.add_error(
                "responsible_unit",
                "检举控告件的责任单位不能是被反映单位或其下级单位（《信访工作条例》第三十条），请另选",
            )
        return data


class PetitionerForm(forms.Form):
    name = forms.CharField(
        label="姓名",
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-lookup": "name"}),
        error_messages={"required": "请填写信访人姓名（不需要的行请留空）", "max_length": "姓名不能超过50字"},
    )
    id_number = forms.CharField(
        label="身份证号码",
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "data-lookup": "id_number"}
        ),
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "data-lookup": "phone"}),
    )
    address = forms.CharField(label="住址", max_length=200, required=False)
    is_representative = forms.BooleanField(label="代表", required=False)

    def clean_id_number(self) -> str:
        raw = self.cleaned_data["id_number"]
        if not raw:
            return ""
        try:
            return normalize_id_number(raw)
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from exc

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except ValidationFailed as exc:
            raise ValidationError(exc.message) from exc


class BasePetitionerFormSet(forms.BaseFormSet):
    def filled(self) -> list[tuple[int, PetitionerForm]]:
        """(row index, form) of the rows the registrar typed into; blank rows are ignored, not errors."""
        return [(i, f) for i, f in enumerate(self.forms) if f.has_changed()]

    def clean(self):
        filled = self.filled()
        if not filled:
            raise ValidationError("请至少填写一名信访人（姓名必填）")
        reps = sum(1 for _, f in filled if f.cleaned_data.get("is_representative"))
        if reps > MAX_REPRESENTATIVES:
            raise ValidationError(
                f"集体访推选代表不得超过{MAX_REPRESENTATIVES}人（《信访工作条例》第二十条），"
                f"您勾选了{reps}名代表，请只保留{MAX_REPRESENTATIVES}名"
            )
        seen: dict[str, int] = {}
        for i, form in filled:
            number = form.cleaned_data.get("id_number")
            if not number:
                continue
            if number in seen:
                form.add_error("id_number", f"与第{seen[number] + 1}名信访人的身份证号码相同，请核对")
            else:
                seen[number] = i


PetitionerFormSet = forms.formset_factory(
    PetitionerForm,
    formset=BasePetitionerFormSet,
    extra=BLANK_PETITIONER_ROWS,
    max_num=MAX_PETITIONER_ROWS,
    absolute_max=MAX_PETITIONER_ROWS,
    validate_max=True,
)


class Registration:
    """The page's form and petitioner formset together: bound, checked across both, turned into input."""

    def __init__(self, user: User, units: list[Unit], data=None, files=None) -> None:
        self.form = RegisterForm(data, files, user=user, units=units)
        self.formset = PetitionerFormSet(data, prefix=PETITIONER_PREFIX)
        self.files_given = bool(files and files.getlist("attachments"))

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    def is_valid(self) -> bool:
        form_ok = self.form.is_valid()
        formset_ok = self.formset.is_valid()
        people = self.form.cleaned_data.get("people_count")
        listed = len(self.formset.filled())
        if people is not None and people < listed:
            self.form.add_error("people_count", f"信访人数（{people}）不能少于已填写的信访人（{listed}名）")
            form_ok = False
        return form_ok and formset_ok

    @property
    def main_index(self) -> int:
        """Row index of the 主要信访人 radio (one radio group across the rows, so only one can be chosen)."""
        raw = self.form.data.get("main_petitioner", "0") if self.is_bound else "0"
        return ascii_int(raw) or 0

    @property
    def unit(self) -> Unit:
        return self.form.cleaned_data["unit"]

    @property
    def linked_cases(self) -> list[Case]:
        """Ticked earlier items that passed the visibility check (shown again after a failed save)."""
        if not self.is_bound:
            return []
        return self.form.cleaned_data.get("earlier_items") or []

    @property
    def attachments_dropped(self) -> bool:
        """Browsers never refill a file input, so after a failed save the registrar must choose again."""
        return self.files_given

    def add_service_error(self, exc: XinfangError) -> None:
        field = getattr(exc, "field", None)
        self.form.add_error(field if field in self.form.fields else None, exc.message)

    def to_input(self) -> RegistrationInput:
        """Precondition: ``is_valid()`` returned True."""
        data = self.form.cleaned_data
        filled = self.formset.filled()
        main = self.main_index if self.main_index in {i for i, _ in filled} else filled[0][0]
        petitioners = [
            PetitionerInput(
                name=f.cleaned_data["name"],
                id_number=f.cleaned_data["id_number"],
                phone=f.cleaned_data["phone"],
                address=f.cleaned_data["address"],
                is_main=i == main,
                is_representative=f.cleaned_data["is_representative"],
            )
            for i, f in filled
        ]
        earlier: dict[int, Case] = {c.pk: c for c in data["earlier_items"] + data["earlier_numbers"]}
        return RegistrationInput(
            channel=data["channel"],
            received_on=data["received_on"],
            title=data["title"],
            content=data["content"],
            claim_type=data["claim_type"],
            purpose=data["purpose"],
            petitioners=petitioners,
            people_count=data["people_count"] or len(petitioners),
            category=data["category"],
            problem_place=data["problem_place"],
            problem_address=data["problem_address"],
            responsible_unit=data["responsible_unit"],
            accused_unit=data["accused_unit"],
            accused_person=data["accused_person"],
            accused_unit_unknown=data["accused_unit_unknown"],
            is_confidential=data["is_confidential"],
            is_skip_level=data["is_skip_level"],
            earlier_items=list(earlier.values()),
            attachments=[UploadInput(name=f.name, content=f.read()) for f in data["attachments"]],
            submission_token=data["submission_token"],
        )

    def error_summary(self) -> list[tuple[str, str]]:
        """(element id to jump to, message) for the box at the top of the page."""
        items: list[tuple[str, str]] = [("", str(e)) for e in self.form.non_field_errors()]
        items += [("petitioners", str(e)) for e in self.formset.non_form_errors()]
        for field in self.form:
            target = field.auto_id if not field.is_hidden else ""
            items += [(target, f"{field.label}：{e}") for e in field.errors]
        for i, f in enumerate(self.formset.forms, start=1):
            for field in f:
                items += [(field.auto_id, f"第{i}名信访人 · {field.label}：{e}") for e in field.errors]
        return items
