"""The 网上信访 form: fields and their messages, the image challenge, and the lists a petitioner picks from.

The business rules (who may stay anonymous, what may be attached, which places and units may be chosen) are
``cases.online.online_problems``; the form shows each problem beside its field and the service refuses on the
same list, so the rule is written once.
"""

from __future__ import annotations

import secrets
from collections import defaultdict

from captcha.fields import BaseCaptchaTextInput, CaptchaField
from captcha.models import CaptchaStore
from django import forms
from django.conf import settings
from django.urls import reverse

from xinfang.cases.models import Category
from xinfang.cases.online import ACCUSATION, PUBLIC_CLAIMS, OnlinePetition, online_problems
from xinfang.cases.services import UploadInput
from xinfang.cases.validators import normalize_phone
from xinfang.core.forms import MultipleFileField
from xinfang.orgs.models import Unit, UnitKind

# Letters and digits that cannot be taken for one another, even rotated (no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V).
CHALLENGE_ALPHABET = "ACDEFGHJKMNPRTWXY3467"
CHALLENGE_LENGTH = 4


def challenge_text() -> tuple[str, str]:
    """The characters drawn on the challenge image and the expected answer (``CAPTCHA_CHALLENGE_FUNCT``)."""
    text = "".join(secrets.choice(CHALLENGE_ALPHABET) for _ in range(CHALLENGE_LENGTH))
    return text, text.lower()


class ChallengeInput(BaseCaptchaTextInput):
    """The challenge's hidden key and answer box; the image is served under /portal/ (``portal:challenge``)."""

    template_name = "portal/submit_challenge.html"

    def fetch_captcha_store(self, name, value, attrs=None, generator=None):
        self._key = CaptchaStore.generate_key(generator)
        self._value = [self._key, ""]
        self.id_ = self.build_attrs(attrs or {}).get("id")

    def image_url(self) -> str:
        return reverse("portal:challenge", kwargs={"key": self._key})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["image"] = self.image_url()
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # A new challenge on every rendering: each can be answered once, right or wrong.
        self.fetch_captcha_store(name, value, attrs)
        return super().render(name, self._value, attrs=attrs, renderer=renderer)


class GroupedChoiceField(forms.ChoiceField):
    """A select with ``<optgroup>``s whose cleaned value is the chosen object, or None when left empty."""

    def __init__(self, *, empty: str, **kwargs):
        super().__init__(**kwargs)
        self.empty = empty
        self._objects: dict[str, object] = {}

    def set_groups(self, groups: list[tuple[str, list[tuple[object, str]]]]) -> None:
        self._objects = {str(obj.pk): obj for _, options in groups for obj, _ in options}
        self.choices = [("", self.empty)] + [
            (group, [(str(obj.pk), label) for obj, label in options]) for group, options in groups if options
        ]

    def clean(self, value):
        value = super().clean(value)
        return self._objects.get(value) if value else None


def category_groups() -> list[tuple[str, list[tuple[object, str]]]]:
    """The first two levels of the content taxonomy: enough for a petitioner; staff refine it."""
    children: dict[int | None, list[Category]] = defaultdict(list)
    for cat in Category.objects.filter(is_active=True, level__lte=2).order_by("code"):
        children[cat.parent_id].append(cat)
    groups = []
    for top in children[None]:
        options: list[tuple[object, str]] = [(top, f"{top.name}（其他）" if children[top.pk] else top.name)]
        options += [(second, second.name) for second in children[top.pk]]
        groups.append((top.name, options))
    return groups


def place_groups() -> list[tuple[str, list[tuple[object, str]]]]:
    """The county's own place tree: each 乡镇（街道） with its 村（社区）."""
    groups: list[tuple[str, list[tuple[object, str]]]] = []
    for unit in Unit.objects.filter(is_active=True, kind__in=[UnitKind.TOWNSHIP, UnitKind.VILLAGE]).order_by("path"):
        if unit.kind == UnitKind.TOWNSHIP:
            groups.append((unit.name, [(unit, f"{unit.name}（不确定具体村、社区）")]))
        elif groups and unit.path.startswith(groups[-1][1][0][0].path):
            groups[-1][1].append((unit, unit.name))
    return groups


# Units a petitioner may name as accused. Villages are left to the free text (被检举控告人) to keep the page
# small; the city above the county is not the county's to handle.
ACCUSED_KINDS = [UnitKind.COUNTY, UnitKind.BUREAU, UnitKind.DEPARTMENT, UnitKind.LEGAL, UnitKind.DISCIPLINE,
                 UnitKind.TOWNSHIP]


def accused_groups() -> list[tuple[str, list[tuple[object, str]]]]:
    by_kind: dict[str, list[tuple[object, str]]] = defaultdict(list)
    for unit in Unit.objects.filter(is_active=True, kind__in=ACCUSED_KINDS).order_by("path"):
        by_kind[unit.kind].append((unit, unit.name))
    return [(UnitKind(kind).label, by_kind[kind]) for kind in ACCUSED_KINDS if by_kind[kind]]




def _text(label: str, limit: int, *, required_message: str | None = None, **kwargs) -> forms.CharField:
    messages = {"max_length": f"{label}最多 %(limit_value)d 字（您写了 %(show_value)d 字）"}
    if required_message:
        messages["required"] = required_message
    return forms.CharField(
        label=label, max_length=limit, required=required_message is not None, error_messages=messages, **kwargs
    )


class SubmitForm(forms.Form):
    claim = forms.ChoiceField(
        label="诉求类型",
        choices=[(key, claim.label) for key, claim in PUBLIC_CLAIMS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择诉求类型", "invalid_choice": "请选择列出的诉求类型"},
    )
    title = _text("标题", 100, required_message="请填写标题：用一句话概括您反映的问题")
    content = forms.CharField(
        label="事实、理由和请求",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "请写明事实、理由和请求",
            "max_length": "内容最多 %(limit_value)d 字（您写了 %(show_value)d 字）；更多材料请作为附件上传",
        },
    )
    category = GroupedChoiceField(label="问题类别", required=False, empty="—— 不确定可不选 ——",
                                  error_messages={"invalid_choice": "请从列出的类别中选择"})
    problem_place = GroupedChoiceField(label="问题发生地", required=False, empty="—— 请选择乡镇（街道）、村（社区） ——",
                                       error_messages={"invalid_choice": "请从列出的地方中选择"})
    problem_address = _text("详细地址", 200)
    accused_unit = GroupedChoiceField(label="被检举控告的单位", required=False, empty="—— 不清楚可不选 ——",
                                      error_messages={"invalid_choice": "请从列出的单位中选择"})
    accused_person = _text("被检举控告人", 100)
    anonymous = forms.BooleanField(label="我要匿名检举控告", required=False)
    name = _text("姓名", 50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = _text("手机号码", 30, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                                                "inputmode": "tel"}))
    address = _text("住址", 200, widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    id_number = _text("身份证号码", 30, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    email = _text("电子邮箱", 254, widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}))
    confidential = forms.BooleanField(label="请对我的身份保密", required=False)
    attachments = MultipleFileField(label="附件", required=False)
    promise = forms.BooleanField(
        label="我承诺所反映的情况真实，并已阅读个人信息保护说明",
        error_messages={"required": "请确认所反映的情况真实，并阅读个人信息保护说明（《信访工作条例》第十九条）"},
    )
    challenge = CaptchaField(
        label="验证码",
        widget=ChallengeInput(),
        error_messages={
            "required": "请输入图片中的 4 个字符",
            "incomplete": "请输入图片中的 4 个字符",
            "invalid": "验证码不正确或已过期，请输入新图片中的字符",
        },
    )
    # One-time token of this form: a second click or a retried POST finds the item the first one registered.
    submission_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["submission_token"].initial = secrets.token_urlsafe(32)
        self.fields["category"].set_groups(category_groups())
        self.fields["problem_place"].set_groups(place_groups())
        self.fields["accused_unit"].set_groups(accused_groups())
        types = sorted(settings.XINFANG_PORTAL_ATTACHMENT_TYPES)
        self.fields["attachments"].widget.attrs["accept"] = ",".join(types)
        self.allowed_types = "、".join(t.lstrip(".") for t in types)

    @property
    def attachment_limits(self) -> str:
        return (
            f"最多 {settings.XINFANG_PORTAL_ATTACHMENT_COUNT} 个，每个不超过 "
            f"{settings.XINFANG_PORTAL_ATTACHMENT_MAX_BYTES // 1048576} MB，合计不超过 "
            f"{settings.XINFANG_PORTAL_ATTACHMENTS_TOTAL_BYTES // 1048576} MB"
        )

    def clean_attachments(self) -> list[UploadInput]:
        files = self.cleaned_data["attachments"]
        if len(files) > settings.XINFANG_PORTAL_ATTACHMENT_COUNT:
            # Counted, not read: the rule of online_problems names the limit.
            return [UploadInput(name=upload.name or "", content=b"") for upload in files]
        uploads = []
        for upload in files:
            # Larger than allowed: refused by the size alone, without reading it into memory.
            content = upload.read() if upload.size <= settings.XINFANG_PORTAL_ATTACHMENT_MAX_BYTES else b""
            uploads.append(UploadInput(name=upload.name or "", content=content))
            if not content and upload.size:
                raise forms.ValidationError(
                    f"附件「{upload.name}」大小 {upload.size / 1048576:.1f} MB，超过上限 "
                    f"{settings.XINFANG_PORTAL_ATTACHMENT_MAX_BYTES // 1048576} MB"
                )
        return uploads

    def clean(self):
        data = super().clean()
        if data.get("claim") != ACCUSATION:
            # The accusation block is only hidden by the stylesheet for other types: what was typed there
            # before switching must not be recorded against an item that accuses no one.
            data["accused_unit"], data["accused_person"], data["anonymous"] = None, "", False
        if data.get("anonymous"):
            data["name"] = data["address"] = data["id_number"] = ""
        petition = self.to_input(data)
        for problem in online_problems(petition):
            where = problem.field if problem.field in self.fields else None
            if where is None or where not in self.errors:
                self.add_error(where, problem.message)
        if data.get("phone") and "phone" not in self.errors:
            data["phone"] = normalize_phone(data["phone"])
        return data

    def to_input(self, data: dict | None = None) -> OnlinePetition:
        data = self.cleaned_data if data is None else data
        return OnlinePetition(
            claim=data.get("claim") or "",
            title=data.get("title") or "",
            content=data.get("content") or "",
            name=data.get("name") or "",
            phone=data.get("phone") or "",
            address=data.get("address") or "",
            id_number=data.get("id_number") or "",
            email=data.get("email") or "",
            anonymous=bool(data.get("anonymous")),
            confidential=bool(data.get("confidential")),
            category=data.get("category"),
            problem_place=data.get("problem_place"),
            problem_address=data.get("problem_address") or "",
            accused_unit=data.get("accused_unit"),
            accused_person=data.get("accused_person") or "",
            attachments=list(data.get("attachments") or []),
            submission_token=data.get("submission_token") or "",
        )

    @property
    def challenge_failed(self) -> bool:
        return "challenge" in self.errors

