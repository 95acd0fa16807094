"""Form fields shared by the workbench forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class AsciiIntegerField(forms.IntegerField):
    """An integer typed in ASCII digits (full-width digits are folded first).

    Django's IntegerField takes any Unicode decimal digit: ``٣`` (Arabic-Indic) would be read as 3 without
    anyone noticing. Superscripts such as ``²`` are refused with the field's own message.
    """

    def to_python(self, value):
        if isinstance(value, str):
            from xinfang.cases.validators import nfkc

            value = nfkc(value).strip()
            if value and not value.lstrip("+-").isascii():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
