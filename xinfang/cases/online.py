"""网上信访: a petition submitted on the public portal, registered by the one write path of every channel.

``case_register_online`` checks what only an online submission needs (who may stay anonymous, what a stranger
may upload), then calls ``services.case_register`` with channel 网上 at the receiving 信访部门. The item gets
the same rows, number, query code, clock, history and the same repeat and category suggestions on its page as
one registered at the counter; nothing is copied here.

Who registers it: no staff member does. The actor is a system account (``ONLINE_USERNAME``) that holds one
grant, the ``ONLINE_INTAKE_ROLE`` (register, nothing else) on the receiving unit. It has no usable password
and is no staff or superuser; each use puts it back into that shape, so an account an administrator edited by
mistake cannot be used to sign in or to read anything.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from xinfang.cases.choices import Channel, ClaimType, Purpose
from xinfang.cases.models import Case, Category, SubmissionToken
from xinfang.cases.services import PetitionerInput, RegistrationInput, UploadInput, case_register
from xinfang.cases.validators import check_upload, nfkc, normalize_id_number, normalize_phone
from xinfang.core import clock
from xinfang.core.errors import ValidationFailed
from xinfang.orgs.models import Grant, Unit, UnitKind, User
from xinfang.orgs.permissions import ONLINE_INTAKE_ROLE

security_log = logging.getLogger("xinfang.security")

ONLINE_USERNAME = "system-online-petitions"
ONLINE_FULL_NAME = "网上信访（系统）"
ANONYMOUS_NAME = "匿名"
TITLE_MAX = 100
CONTENT_MIN, CONTENT_MAX = 10, 5000
# A repeated POST of the same form (double click, a retry after a lost connection) finds its item this long.
SUBMISSION_REUSE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class PublicClaim:
    label: str
    claim_type: str
    purpose: str
    help: str


# What a petitioner chooses, in their words; each maps to the claim type and purpose staff register
# (decisions §4). 咨询 is left out: a question is answered by the 信访部门's telephone, not registered here.
PUBLIC_CLAIMS: dict[str, PublicClaim] = {
    "request": PublicClaim("求决", ClaimType.APPEAL, Purpose.REQUEST, "请求解决自己遇到的具体问题"),
    "complaint": PublicClaim("申诉", ClaimType.APPEAL, Purpose.COMPLAINT, "对机关、单位的处理或决定不服"),
    "suggestion": PublicClaim("意见建议", ClaimType.SUGGESTION, Purpose.ADVICE, "对工作提出意见和建议"),
    "accusation": PublicClaim("检举控告", ClaimType.ACCUSATION, Purpose.EXPOSE, "检举、揭发、控告违法违纪行为"),
}
ACCUSATION = "accusation"


@dataclass
class OnlinePetition:
    """What the portal form sends, as typed (the service normalises and checks it)."""

    claim: str
    title: str
    content: str
    name: str = ""
    phone: str = ""
    address: str = ""
    id_number: str = ""
    email: str = ""
    anonymous: bool = False
    confidential: bool = False
    category: Category | None = None
    problem_place: Unit | None = None
    problem_address: str = ""
    accused_unit: Unit | None = None
    accused_person: str = ""
    attachments: list[UploadInput] = field(default_factory=list)
    submission_token: str = ""

    @property
    def is_accusation(self) -> bool:
        return self.claim == ACCUSATION


@dataclass
class OnlineReceipt:
    case: Case
    created: bool  # False: the same form came again and found the item it registered before


# --- where online petitions arrive, and who registers them --------------------------------------------------


def receiving_unit() -> Unit | None:
    """The 信访部门 that receives online petitions: the unit ``XINFANG_ONLINE_UNIT_CODE`` names, or else the one
    active 信访部门 directly under the county's committee and government. None (the form is closed) when online
    petitions are switched off, the code names no active 信访部门, or the tree has none or several."""
    if not settings.XINFANG_ONLINE_OPEN:
        return None
    bureaus = Unit.objects.filter(kind=UnitKind.BUREAU, is_active=True)
    code = settings.XINFANG_ONLINE_UNIT_CODE
    if code:
        return bureaus.filter(code=code).first()
    found = list(bureaus.filter(parent__kind=UnitKind.COUNTY).order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


def online_actor(unit: Unit) -> User:
    """The system account that registers online petitions at ``unit``, created on first use.

    Each call restores its only permitted shape: active (the permission check requires it), no usable
    password, no staff or superuser flag, no unit of its own (so it is nobody's colleague in a list), and
    exactly one grant, the intake role on ``unit``. Any difference found is logged as a security event.
    """
    # make_password(None): an unusable password from the first moment the row exists.
    user, created = User.objects.get_or_create(
        username=ONLINE_USERNAME, defaults={"full_name": ONLINE_FULL_NAME, "password": make_password(None)}
    )
    drift = []
    if user.has_usable_password():
        user.set_unusable_password()
        drift.append("password")
    for flag, wanted in (("is_staff", False), ("is_superuser", False), ("is_active", True)):
        if getattr(user, flag) != wanted:
            setattr(user, flag, wanted)
            drift.append(flag)
    if user.unit_id is not None:
        user.unit = None
        drift.append("unit")
    if drift:
        user.save(update_fields=drift)
    with transaction.atomic():
        extra = Grant.objects.filter(user=user).exclude(role=ONLINE_INTAKE_ROLE, unit=unit)
        if extra.exists():
            drift.append("grants")
            extra.delete()
        # Grant.objects directly: the intake role is not one an administrator may grant (orgs.permissions).
        Grant.objects.get_or_create(user=user, role=ONLINE_INTAKE_ROLE, unit=unit)
    if drift and not created:
        security_log.warning("online petition account %s was altered (%s); restored", user.username, ", ".join(drift))
    return user


def case_of_submission(token: str) -> Case | None:
    """The item that this same online form registered within the last hour, if any (a second click, a
    browser retrying the POST). The token is random and only ever sent to the browser that got the form."""
    token = (token or "").strip()
    if not token or len(token) > 64:
        return None
    row = (
        SubmissionToken.objects.filter(
            token=token, user__username=ONLINE_USERNAME, created_at__gte=clock.now() - SUBMISSION_REUSE
        )
        .select_related("case")
        .first()
    )
    return row.case if row is not None else None


def receipt_case(case_id: object) -> Case | None:
    """The item named by a receipt held in the visitor's own session (its number, query code, clocks)."""
    if not isinstance(case_id, int):
        return None
    return Case.objects.select_related("current_unit").filter(pk=case_id, channel=Channel.ONLINE).first()


# --- what a stranger may upload -----------------------------------------------------------------------------

# Extensions that run code or hide it. Found anywhere before the last dot («照片.exe.jpg»), they are the
# classic disguise of an executable; as the last one they are simply not an allowed type.
DANGEROUS_EXTENSIONS = frozenset(
    {
        "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "sys", "jar", "js", "jse", "vbs",
        "vbe", "wsf", "wsh", "ps1", "psm1", "hta", "lnk", "reg", "inf", "sh", "bash", "py", "pl", "php", "asp",
        "aspx", "jsp", "html", "htm", "xhtml", "svg", "apk", "app", "dmg", "iso", "docm", "dotm", "xlsm",
        "pptm", "zip", "rar", "7z", "gz", "tar",
    }
)
# Characters that make a name read differently from how it ends (U+202E turns «gpj.exe» into «exe.jpg»).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
# First bytes of programs, scripts and archives, whatever the extension says.
_FORBIDDEN_STARTS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows 可执行程序"),
    (b"\x7fELF", "可执行程序"),
    (b"\xca\xfe\xba\xbe", "可执行程序"),
    (b"\xcf\xfa\xed\xfe", "可执行程序"),
    (b"\xce\xfa\xed\xfe", "可执行程序"),
    (b"\xfe\xed\xfa", "可执行程序"),
    (b"#!", "脚本"),
    (b"Rar!", "压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "压缩包"),
    (b"\x1f\x8b", "压缩包"),
)
_MARKUP_STARTS: tuple[tuple[bytes, str], ...] = (
    (b"<!doctype html", "网页（HTML）文件"),
    (b"<html", "网页（HTML）文件"),
    (b"<script", "脚本"),
    (b"<?php", "脚本"),
    (b"<svg", "可含脚本的 SVG 图形"),
    (b"<?xml", "XML 文件"),
)
# Active content of a PDF: scripts, launching programs, files carried inside.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
_EXTERNAL_TYPES = (b"/attachedTemplate", b"/oleObject", b"/frame", b"/subDocument")
# Names of OLE directory entries (UTF-16, NUL-terminated): the macro storages and the packager's embedded file.
_OLE_MACROS = tuple(f"{n}\x00".encode("utf-16-le") for n in ("_VBA_PROJECT", "Macros", "\x01Ole10Native"))
_DOCX_MAX_MEMBERS = 2000
_DOCX_MAX_UNPACKED = 200 * 1024 * 1024


def public_file_name(raw: str) -> str:
    """The name as the petitioner's device gave it, without folders or control characters."""
    name = nfkc(raw).replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if unicodedata.category(ch) != "Cc").strip()


def check_public_upload(name: str, content: bytes) -> str:
    """Return the content type of a file a petitioner may attach online, or raise ValidationFailed.

    Stricter than staff uploads (``validators.check_upload``, which still runs): the type is judged by the
    content, a renamed program, a script, a web page, an archive, a document with macros, embedded programs
    or an external template, and a PDF with scripts or embedded files are refused with the reason.
    """
    shown = name or "（无文件名）"
    if _BIDI.search(name):
        raise ValidationFailed(f"附件「{_BIDI.sub('', shown)}」的文件名含有可改变显示顺序的特殊字符，常用于伪装扩展名，不能上传",
                               field="attachments")
    parts = name.lower().split(".")
    inner = [p.strip() for p in parts[1:-1]]
    hidden = next((p for p in inner if p in DANGEROUS_EXTENSIONS), None)
    if hidden:
        raise ValidationFailed(
            f"附件「{shown}」的文件名含有双重扩展名（.{hidden}），疑似伪装的程序或脚本，不能上传；如确是材料，请改名后再上传",
            field="attachments",
        )
    head = content[:512]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    ext = ("." + parts[-1]) if len(parts) > 1 else ""
    allowed = settings.XINFANG_PORTAL_ATTACHMENT_TYPES
    if ext not in allowed:
        raise ValidationFailed(
            f"附件「{shown}」的类型不支持，可上传：{'、'.join(e.lstrip('.') for e in sorted(allowed))}", field="attachments"
        )
    for start, what in _FORBIDDEN_STARTS:
        if head.startswith(start):
            raise ValidationFailed(f"附件「{shown}」实际是{what}，不是所示的 {ext or '文件'}，不能上传", field="attachments")
    for start, what in _MARKUP_STARTS:
        if stripped.startswith(start):
            raise ValidationFailed(f"附件「{shown}」实际是{what}，不是所示的 {ext or '文件'}，不能上传", field="attachments")
    content_type = check_upload(
        name, head[:16], len(content), allowed=allowed, max_bytes=settings.XINFANG_PORTAL_ATTACHMENT_MAX_BYTES
    )
    if ext == ".pdf":
        _check_pdf(shown, content)
    elif ext == ".docx":
        _check_docx(shown, content)
    elif ext == ".doc":
        if any(marker in content for marker in _OLE_MACROS):
            raise ValidationFailed(f"附件「{shown}」含有宏或嵌入的程序，不能上传；请另存为 PDF 后再上传", field="attachments")
    elif ext == ".txt":
        _check_text(shown, content)
    return content_type


def _check_pdf(shown: str, content: bytes) -> None:
    # Names may be written with #xx escapes (/J#61vaScript) precisely to slip past a search like this.
    plain = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), content)
    if _PDF_ACTIVE.search(plain):
        raise ValidationFailed(
            f"附件「{shown}」含有脚本、启动程序的动作或嵌入的文件，不能上传；请用“打印为 PDF”重新生成后再上传",
            field="attachments",
        )


def _check_docx(shown: str, content: bytes) -> None:
    broken = ValidationFailed(f"附件「{shown}」不是有效的 Word（.docx）文档", field="attachments")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise broken from exc
    names = {info.filename.lower(): info for info in infos}
    if len(infos) > _DOCX_MAX_MEMBERS or sum(i.file_size for i in infos) > _DOCX_MAX_UNPACKED:
        raise ValidationFailed(f"附件「{shown}」的内部结构异常（解压后过大），不能上传", field="attachments")
    if "word/document.xml" not in names or "[content_types].xml" not in names:
        raise broken
    if any(info.flag_bits & 0x1 for info in infos):
        raise ValidationFailed(f"附件「{shown}」已加密，无法检查内容，请解除密码后再上传", field="attachments")
    macros = any(n.endswith(("vbaproject.bin", "vbadata.xml")) or n.startswith("word/activex/") for n in names)
    embedded = any(n.startswith("word/embeddings/") and not n.endswith((".xlsx", ".docx", ".pptx")) for n in names)

    def small(name: str) -> bytes:
        info = names[name]
        return archive.read(info) if info.file_size <= 1024 * 1024 else b""

    try:
        macros = macros or b"macroenabled" in small("[content_types].xml").lower()
        external = any(
            b'TargetMode="External"' in rel and any(t in rel for t in _EXTERNAL_TYPES)
            for n in names
            if n.endswith(".rels")
            for rel in _RELATIONSHIP.findall(small(n))
        )
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError) as exc:
        raise broken from exc
    if macros or embedded:
        raise ValidationFailed(f"附件「{shown}」含有宏或嵌入的程序对象，不能上传；请另存为 PDF 后再上传", field="attachments")
    if external:
        raise ValidationFailed(f"附件「{shown}」引用了外部模板或对象，不能上传；请另存为 PDF 后再上传", field="attachments")


def _check_text(shown: str, content: bytes) -> None:
    if b"\x00" in content:
        raise ValidationFailed(f"附件「{shown}」不是文本文件", field="attachments")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content.decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(f"附件「{shown}」不是可读的文本文件（请保存为 UTF-8 或 GBK 编码）", field="attachments")


# --- the submission -------------------------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB"


def online_problems(data: OnlinePetition) -> list[ValidationFailed]:
    """Everything wrong with an online submission, each with the form field it belongs to. The portal form
    shows them beside the fields; ``case_register_online`` refuses on any of them (one rule, two places)."""
    problems: list[ValidationFailed] = []

    def add(message: str, field: str) -> None:
        problems.append(ValidationFailed(message, field=field))

    if data.claim not in PUBLIC_CLAIMS:
        add(f"请选择诉求类型：{'、'.join(c.label for c in PUBLIC_CLAIMS.values())}", "claim")
    title = (data.title or "").strip()
    if not title:
        add("请填写标题：用一句话概括您反映的问题", "title")
    elif len(title) > TITLE_MAX:
        add(f"标题最多 {TITLE_MAX} 字（您写了 {len(title)} 字）", "title")
    content = (data.content or "").strip()
    if len(content) < CONTENT_MIN:
        add(f"请写明事实、理由和请求（至少 {CONTENT_MIN} 字）", "content")
    elif len(content) > CONTENT_MAX:
        add(f"内容最多 {CONTENT_MAX} 字（您写了 {len(content)} 字）；更多材料请作为附件上传", "content")

    if data.anonymous and not data.is_accusation:
        add("只有检举控告可以匿名提出；其他信访事项请填写真实姓名、联系电话和住址（《信访工作条例》第十九条）", "anonymous")
    if not data.anonymous:
        name = (data.name or "").strip()
        if not name:
            add("请填写真实姓名（《信访工作条例》第十九条：信访人应当载明姓名、住址和请求、事实、理由）", "name")
        elif len(name) > 50:
            add("姓名最多 50 字", "name")
        if not (data.phone or "").strip():
            add("请填写联系电话：用于联系您，也是凭查询码查询办理进展的核验方式", "phone")
        if not (data.address or "").strip():
            add("请填写住址（《信访工作条例》第十九条）", "address")
        elif len(data.address.strip()) > 200:
            add("住址最多 200 字", "address")
        if (data.id_number or "").strip():
            try:
                normalize_id_number(data.id_number)
            except ValidationFailed as exc:
                add(exc.message, "id_number")
    if (data.phone or "").strip():
        try:
            normalize_phone(data.phone)
        except ValidationFailed as exc:
            add(exc.message, "phone")
    email = (data.email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            add("电子邮箱格式不正确，如 zhangsan@example.com；不需要可以不填", "email")

    if data.problem_place is not None and (
        data.problem_place.kind not in (UnitKind.TOWNSHIP, UnitKind.VILLAGE) or not data.problem_place.is_active
    ):
        add("请从列出的乡镇（街道）、村（社区）中选择问题发生地", "problem_place")
    if len((data.problem_address or "").strip()) > 200:
        add("详细地址最多 200 字", "problem_address")
    if data.category is not None and not data.category.is_active:
        add("请从列出的分类中选择", "category")
    if not data.is_accusation and (data.accused_unit is not None or (data.accused_person or "").strip()):
        add("只有检举控告才填写被检举控告的单位和人员", "accused_unit")
    if data.accused_unit is not None and (data.accused_unit.kind == UnitKind.CITY or not data.accused_unit.is_active):
        add("请从列出的单位中选择被检举控告的单位；不清楚可以不选", "accused_unit")
    if len((data.accused_person or "").strip()) > 100:
        add("被检举控告人最多 100 字", "accused_person")

    limit = settings.XINFANG_PORTAL_ATTACHMENT_COUNT
    if len(data.attachments) > limit:
        add(f"最多上传 {limit} 个附件（您选择了 {len(data.attachments)} 个）", "attachments")
    else:
        total = sum(len(a.content) for a in data.attachments)
        cap = settings.XINFANG_PORTAL_ATTACHMENTS_TOTAL_BYTES
        if total > cap:
            add(f"附件合计 {_size(total)}，超过上限 {cap // 1048576} MB；请压缩图片或分次反映", "attachments")
        for upload in data.attachments:
            try:
                check_public_upload(upload.name, upload.content)
            except ValidationFailed as exc:
                add(exc.message, "attachments")
    return problems


def _registration(data: OnlinePetition) -> RegistrationInput:
    claim = PUBLIC_CLAIMS[data.claim]
    accusation = data.is_accusation
    anonymous = accusation and data.anonymous
    petitioner = PetitionerInput(
        name=ANONYMOUS_NAME if anonymous else data.name.strip(),
        id_number="" if anonymous else data.id_number.strip(),
        phone=data.phone.strip(),
        address="" if anonymous else data.address.strip(),
        email=data.email.strip(),
        is_main=True,
    )
    return RegistrationInput(
        channel=Channel.ONLINE,
        received_on=clock.today(),
        title=data.title.strip(),
        content=data.content.strip(),
        claim_type=claim.claim_type,
        purpose=claim.purpose,
        petitioners=[petitioner],
        category=data.category,
        problem_place=data.problem_place,
        problem_address=data.problem_address.strip(),
        accused_unit=data.accused_unit if accusation else None,
        accused_person=data.accused_person.strip() if accusation else "",
        # The accuser stays protected while the accused unit is unknown: nothing can be forwarded until
        # staff determine it (docs/secrecy.md).
        accused_unit_unknown=accusation and data.accused_unit is None,
        is_confidential=accusation or data.confidential,
        attachments=[UploadInput(name=public_file_name(a.name)[:200], content=a.content) for a in data.attachments],
        submission_token=data.submission_token,
    )


def case_register_online(*, data: OnlinePetition) -> OnlineReceipt:
    """Register an online petition at the receiving 信访部门 (channel 网上, [T22-17], [T22-21]).

    Refuses with ``ValidationFailed`` (every problem, in Chinese) before anything is written; the rows and the
    files are then written by ``case_register`` in one transaction, so a refused or failed submission leaves
    no item and no file. The same ``submission_token`` again returns the first item (``created`` False).
    """
    unit = receiving_unit()
    if unit is None:
        raise ValidationFailed("网上信访暂未开通，请通过来信、来访或来电反映")
    problems = online_problems(data)
    if problems:
        raise ValidationFailed("；".join(p.message for p in problems))
    registration = _registration(data)
    earlier = case_of_submission(data.submission_token)
    if earlier is not None:
        return OnlineReceipt(case=earlier, created=False)
    case = case_register(actor=online_actor(unit), unit=unit, data=registration)
    return OnlineReceipt(case=case, created=True)
