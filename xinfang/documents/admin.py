"""Administrators upload the county's own template versions and see the register of issued documents.

An upload goes through ``documents.services.document_upload_template`` (the one write path, which checks the
file and the right). Issued documents are read only and listed by number, kind, item number and date: no
petitioner data and no file here — documents are read in the workbench, by those who may see the item.
"""

from django import forms
from django.contrib import admin

from xinfang.core.errors import XinfangError
from xinfang.documents.models import DocumentKind, DocumentTemplate, IssuedDocument
from xinfang.documents.services import document_upload_template
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm


def is_administrator(request) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or policies.has_any(user, [Perm.ADMINISTER])))


class AdministratorsOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_administrator(request)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TemplateUploadForm(forms.ModelForm):
    kind = forms.ChoiceField(label="文书种类", choices=DocumentKind.choices)
    upload = forms.FileField(label="模板文件（.docx）")
    note = forms.CharField(label="说明", max_length=200, required=False)

    class Meta:
        model = DocumentTemplate
        fields = ["kind", "note"]

    request = None  # set by DocumentTemplateAdmin.get_form

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            # The service writes inside the admin's transaction; the form only reports its refusal.
            self.created = document_upload_template(
                kind=data["kind"],
                file_bytes=data["upload"].read(),
                actor=self.request.user,
                note=data.get("note", ""),
            )
        except XinfangError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(AdministratorsOnly):
    list_display = ["kind", "version", "is_active", "note", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["kind", "version", "file", "note", "uploaded_by", "uploaded_at", "is_active"]

    def has_add_permission(self, request):
        return is_administrator(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        return type("BoundTemplateUploadForm", (TemplateUploadForm,), {"request": request})

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["kind", "upload", "note"]

    def save_model(self, request, obj, form, change):
        # The row was written by the service in form.clean(); hand it to the admin for its message/redirect.
        obj.pk = form.created.pk
        obj.__dict__.update({k: v for k, v in form.created.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False


@admin.display(description="信访件编号")
def case_number(obj) -> str:
    return obj.case.number


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(AdministratorsOnly):
    list_display = ["number", "kind", "version", case_number, "issuing_unit", "issued_on", "delivered_on"]
    list_filter = ["kind", "year"]
    list_select_related = ["case", "issuing_unit"]
    search_fields = ["number", "case__number"]
    fields = [
        "number",
        "kind",
        "version",
        "issuing_unit",
        "issued_on",
        "delivered_on",
        "template_version",
        "sha256",
    ]

    def has_add_permission(self, request):
        return False
