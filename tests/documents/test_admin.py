"""The documents admin: administrators upload template versions and list issued documents; nobody else."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.helpers import drive
from tests.documents.conftest import docx_bytes
from xinfang.cases.states import Status
from xinfang.documents.models import DocumentTemplate
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.usefixtures("fake_renderer", "december_first")


@pytest.fixture
def staff_admin(county):
    return user_create(username="xfadmin", password="Xinfang-2026", full_name="管理员", unit=county.bureau,
                       roles=[(Role.ADMINISTRATOR, county.city)], is_staff=True)


@pytest.fixture
def staff_handler(county):
    # Staff status alone opens the admin site, not these pages.
    return user_create(username="staff_li", password="Xinfang-2026", full_name="李员工", unit=county.town,
                       roles=[(Role.UNIT_HEAD, county.town)], is_staff=True)


def upload(client, content: bytes, kind="reply"):
    return client.post("/admin/documents/documenttemplate/add/", {
        "kind": kind, "note": "县版", "upload": SimpleUploadedFile("t.docx", content),
    })


def test_administrator_uploads_a_template_version(client, staff_admin):
    client.force_login(staff_admin)
    response = upload(client, docx_bytes("县版模板"))
    assert response.status_code == 302, response.content.decode()[:2000]
    template = DocumentTemplate.objects.get()
    assert (template.kind, template.version, template.is_active, template.uploaded_by) == ("reply", 1, True,
                                                                                          staff_admin)
    assert client.get("/admin/documents/documenttemplate/").status_code == 200
    assert client.get(f"/admin/documents/documenttemplate/{template.pk}/change/").status_code == 200


def test_a_file_that_is_not_docx_is_refused_on_the_form(client, staff_admin):
    client.force_login(staff_admin)
    response = upload(client, b"hello")
    assert response.status_code == 200
    assert "不是有效的 .docx 文件" in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_issued_documents_are_listed_without_petitioner_data(client, staff_admin, petition, county):
    case = drive(petition, county, Status.REPLIED)
    doc = case.documents.get(kind="reply")
    client.force_login(staff_admin)
    page = client.get("/admin/documents/issueddocument/").content.decode()
    assert doc.number in page and case.number in page
    assert "陈大明" not in page and case.title not in page
    detail = client.get(f"/admin/documents/issueddocument/{doc.pk}/change/")
    assert detail.status_code == 200 and "陈大明" not in detail.content.decode()


def test_other_staff_may_not_open_the_documents_admin(client, staff_handler, petition, county):
    case = drive(petition, county, Status.REPLIED)
    doc = case.documents.get(kind="reply")
    client.force_login(staff_handler)
    for url in ["/admin/documents/issueddocument/", f"/admin/documents/issueddocument/{doc.pk}/change/",
                "/admin/documents/documenttemplate/", "/admin/documents/documenttemplate/add/"]:
        assert client.get(url).status_code in (302, 403), url
    assert upload(client, docx_bytes("x")).status_code in (302, 403)
    assert not DocumentTemplate.objects.exists()
