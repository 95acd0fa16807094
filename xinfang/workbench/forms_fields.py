"""Form fields shared by the workbench forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

# Full-width ASCII (U+FF01–U+FF5E), what a Chinese input method types in full-width mode.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


class AsciiIntegerField(forms.IntegerField):
    """An integer typed in ASCII digits (full-width digits are folded first).

    Django's IntegerField takes any Unicode decimal digit: ``٣`` (Arabic-Indic) would be read as 3 without
    anyone noticing, and compatibility folding would read ``²`` as 2. Both are refused with the field's own
    message.
    """

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(_FULLWIDTH).strip()
            if value and not value.isascii():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
