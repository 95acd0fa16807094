"""Checks of identity numbers, phone numbers and uploaded files. Pure functions, messages in Chinese."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from xinfang.core.errors import ValidationFailed

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?$")

# The earliest date of receipt a registration may carry: the day the 2005 《信访条例》 took effect. Older
# items belong to paper archives; an earlier date is a typing error (year 0205, 1905 …).
EARLIEST_RECEIVED_ON = dt.date(2005, 5, 1)


def check_received_on(value: dt.date, today: dt.date) -> None:
    """A registration's date of receipt is a fact, not an action: it may lie in the past, within sane bounds."""
    if value > today:
        raise ValidationFailed(f"收到日期 {value:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请核对", field="received_on")
    if value < EARLIEST_RECEIVED_ON:
        raise ValidationFailed(
            f"收到日期 {value:%Y-%m-%d} 早于 {EARLIEST_RECEIVED_ON:%Y-%m-%d}（《信访条例》施行之日），请核对年份",
            field="received_on",
        )


def nfkc(raw: str | None) -> str:
    """Full-width and other compatibility forms folded to plain ones (１３８… → 138…, ＋ → +), without NUL."""
    return unicodedata.normalize("NFKC", raw or "").replace("\x00", "")


def ascii_int(raw: object) -> int | None:
    """``raw`` as an int if it is written in ASCII digits only, else None (``"²".isdigit()`` is true, but
    ``int("²")`` fails, and ``int("٣")`` is 3)."""
    text = str(raw if raw is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(raw: str) -> str:
    """Validate a resident identity number (GB 11643-1999) and return it upper-cased.

    Raises ValidationFailed saying exactly what is wrong: length, characters, birth date, or check digit.
    """
    value = re.sub(r"\s", "", nfkc(raw)).upper()
    if len(value) != 18:
        raise ValidationFailed(f"身份证号码应为18位，您输入了{len(value)}位", field="id_number")
    if not value.isascii() or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationFailed("身份证号码前17位应为数字，最后一位为数字或X", field="id_number")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationFailed(f"身份证号码中的出生日期 {value[6:14]} 不是有效日期", field="id_number") from exc
    if birth.year < 1900 or birth > dt.date.today():  # noqa: DTZ011 - a birth date is a calendar date
        raise ValidationFailed(f"身份证号码中的出生日期 {birth:%Y-%m-%d} 不合理", field="id_number")
    expected = id_check_digit(value[:17])
    if value[17] != expected:
        raise ValidationFailed(
            f"身份证号码校验位不正确（按前17位计算，最后一位应为{expected}），请核对后重新输入", field="id_number"
        )
    return value


def normalize_phone(raw: str) -> str:
    """A mobile or landline number in ASCII digits; full-width digits and brackets are folded first."""
    value = re.sub(r"[\s()]", "", nfkc(raw))
    if value.startswith("+86"):
        value = value[3:]
    if _MOBILE.match(value) or _LANDLINE.match(value):
        return value
    raise ValidationFailed(
        "联系电话格式不正确：手机号为以1开头的11位数字，固定电话如 0571-12345678", field="phone"
    )


# First bytes of the file types we accept; a renamed executable is refused even with an allowed extension.
_MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    ".wav": (b"RIFF",),
}


def check_upload(name: str, head: bytes, size: int, *, allowed: dict[str, str], max_bytes: int) -> str:
    """Return the content type of an acceptable upload, or raise ValidationFailed."""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in allowed:
        raise ValidationFailed(
            f"附件「{name}」的类型不支持，可上传：{'、'.join(sorted(allowed))}", field="attachments"
        )
    if size <= 0:
        raise ValidationFailed(f"附件「{name}」是空文件", field="attachments")
    if size > max_bytes:
        raise ValidationFailed(
            f"附件「{name}」大小 {size / 1048576:.1f} MB，超过上限 {max_bytes // 1048576} MB", field="attachments"
        )
    magics = _MAGIC.get(ext)
    if magics and not any(head.startswith(m) for m in magics):
        raise ValidationFailed(f"附件「{name}」的内容与扩展名 {ext} 不符", field="attachments")
    if ext == ".txt" and b"\x00" in head:
        raise ValidationFailed(f"附件「{name}」不是文本文件", field="attachments")
    return allowed[ext]
