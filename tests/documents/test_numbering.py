"""Document numbers: 机关代字〔年份〕序号号, sequential per issuing unit, kind and year, without gaps or duplicates."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from tests.cases.helpers import D
from xinfang.documents import numbering
from xinfang.documents.models import DocumentCounter, DocumentKind, IssuedDocument


def take(unit, kind=DocumentKind.TRANSFER, year=2026):
    with transaction.atomic():
        return numbering.allocate(unit, kind, year)


def test_number_uses_the_unit_prefix_and_the_kind_character(county):
    county.bureau.doc_prefix = "清信"
    county.bureau.save()
    assert [take(county.bureau) for _ in range(3)] == [
        (1, "清信转〔2026〕1号"),
        (2, "清信转〔2026〕2号"),
        (3, "清信转〔2026〕3号"),
    ]
    assert take(county.bureau, DocumentKind.ASSIGNMENT) == (1, "清信交〔2026〕1号")
    assert take(county.bureau, DocumentKind.REVIEW_DECISION) == (1, "清信复〔2026〕1号")


def test_sequences_are_separate_per_unit_kind_and_year(county):
    county.bureau.doc_prefix = "清信"
    county.bureau.save()
    take(county.bureau)
    take(county.bureau)
    assert take(county.bureau, year=2027) == (1, "清信转〔2027〕1号")
    assert take(county.town, DocumentKind.TRANSFER)[0] == 1
    assert take(county.bureau, DocumentKind.ACCEPTANCE_NOTICE)[0] == 1
    assert take(county.bureau) == (3, "清信转〔2026〕3号")
    assert DocumentCounter.objects.get(unit=county.bureau, kind="transfer", year=2026).last == 3


def test_fallback_prefix_is_derived_from_the_name(county):
    # Documented rule: short name or name, without 人民 and one leading 县/市/区, first two characters.
    assert numbering.unit_prefix(county.bureau) == "信访"
    assert numbering.unit_prefix(county.town) == "东街"
    county.county.name = "清河县人民政府"
    assert numbering.unit_prefix(county.county) == "清河"
    county.town.short_name = "东"
    assert numbering.unit_prefix(county.town) == "东"
    county.town.doc_prefix = " 东政 "
    assert numbering.unit_prefix(county.town) == "东政"


def test_every_numbered_kind_has_its_own_characters():
    chars = list(numbering.KIND_CHARS.values())
    assert len(chars) == len(set(chars))
    assert set(numbering.KIND_CHARS) == set(DocumentKind.values) - {DocumentKind.DELIVERY_RECEIPT}
    assert not numbering.is_numbered(DocumentKind.DELIVERY_RECEIPT)


def test_the_renderer_knows_the_same_kinds():
    from xinfang.documents import render

    assert set(render.KINDS) == set(DocumentKind.values)


def test_a_rolled_back_issue_leaves_no_gap(county):
    take(county.bureau)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert numbering.allocate(county.bureau, DocumentKind.TRANSFER, 2026)[0] == 2
        raise Boom
    assert take(county.bureau)[0] == 2


@pytest.mark.django_db(transaction=True)
def test_allocate_refuses_outside_a_transaction(county):
    with pytest.raises(RuntimeError, match="签发事务"):
        numbering.allocate(county.bureau, DocumentKind.TRANSFER, 2026)


@pytest.mark.postgres
def test_concurrent_issuers_get_one_to_n_without_gap_or_duplicate(transactional_db, petition, county, fake_renderer):
    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL（行锁）")
    from xinfang.documents.services import document_issue

    county.bureau.doc_prefix = "清信"
    county.bureau.save()
    cases = [petition() for _ in range(8)]
    barrier = threading.Barrier(len(cases))
    outcomes: list = []

    def issue(case):
        try:
            barrier.wait()
            doc = document_issue(case=case, kind=DocumentKind.TRANSFER, actor=county.zhang, on=D(2026, 11, 30))
            outcomes.append(("ok", doc.seq))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            outcomes.append(("error", repr(exc)))
        finally:
            connections.close_all()

    # No counter row exists yet: the threads also race to create it.
    threads = [threading.Thread(target=issue, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert sorted(seq for _, seq in outcomes) == list(range(1, len(cases) + 1))
    numbers = sorted(IssuedDocument.objects.values_list("number", flat=True))
    assert numbers == sorted(f"清信转〔2026〕{i}号" for i in range(1, len(cases) + 1))
    assert DocumentCounter.objects.get(unit=county.bureau, kind="transfer", year=2026).last == len(cases)


@pytest.mark.postgres
def test_two_simultaneous_corrections_of_one_version_one_wins(transactional_db, petition, county, fake_renderer):
    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL（行锁）")
    from xinfang.core.errors import ValidationFailed
    from xinfang.documents.services import document_correct, document_issue

    case = petition()
    first = document_issue(case=case, kind=DocumentKind.TRANSFER, actor=county.zhang, on=D(2026, 11, 30))
    barrier = threading.Barrier(2)
    outcomes: list = []

    def correct(reason):
        try:
            barrier.wait()
            outcomes.append(("ok", document_correct(document=first, actor=county.zhang, reason=reason).version))
        except ValidationFailed as exc:
            outcomes.append(("refused", str(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=correct, args=(r,)) for r in ("笔误一", "笔误二")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert "已有更正版本（第2版）" in next(o[1] for o in outcomes if o[0] == "refused")
    assert sorted(IssuedDocument.objects.values_list("version", flat=True)) == [1, 2]
