"""export_outcomes writes the library as import_outcomes reads it: a copy to calibrate on, or to move."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from imports.columns import OUTCOME_COLUMNS
from outcomes.models import Outcome
from tests.factories import InstitutionFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

# Every importable column but the id the copy is found by.
COPIED = tuple(c.field for c in OUTCOME_COLUMNS if c.field != "external_id")


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_it_exports_the_available_library_and_the_lines_import_back_unchanged(tmp_path):
    home = InstitutionFactory(code="xjtu")
    kept = [
        OutcomeFactory(
            institution=home,
            title="碳化矽功率模組銀燒結封裝",
            keywords=["SiC", "銀燒結"],
            asking_price_wan=Decimal("12.5"),
        ),
        OutcomeFactory(institution=home, asking_price_wan=None, patent_numbers=["ZL202110000001.X"], team="张教授团队"),
    ]
    OutcomeFactory(institution=home, status=Outcome.Status.WITHDRAWN)
    path = tmp_path / "library.jsonl"

    call_command("export_outcomes", str(path))

    lines = _lines(path)
    assert [line["external_id"] for line in lines] == [o.external_id for o in kept]
    assert lines[0]["institution"] == "xjtu" and lines[0]["asking_price_wan"] == "12.50"
    assert lines[0]["keywords"] == ["SiC", "銀燒結"] and lines[1]["asking_price_wan"] is None

    # Imported into another institution, every line becomes the same outcome again.
    other = InstitutionFactory(code="nwpu")
    call_command("import_outcomes", str(path), institution="nwpu", no_match=True)
    for original in kept:
        copy = Outcome.objects.get(institution=other, external_id=original.external_id)
        assert [getattr(copy, f) for f in COPIED] == [getattr(original, f) for f in COPIED]


def test_it_exports_one_institution_or_every_status_on_request(tmp_path):
    mine, theirs = InstitutionFactory(code="xjtu"), InstitutionFactory(code="nwpu")
    OutcomeFactory(institution=mine)
    withdrawn = OutcomeFactory(institution=mine, status=Outcome.Status.WITHDRAWN)
    OutcomeFactory(institution=theirs)
    path = tmp_path / "out.jsonl"

    call_command("export_outcomes", str(path), institution="xjtu", all=True)

    lines = _lines(path)
    assert {line["institution"] for line in lines} == {"xjtu"} and len(lines) == 2
    assert any(line["external_id"] == withdrawn.external_id and line["status"] == "withdrawn" for line in lines)


def test_an_unknown_institution_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "out.jsonl"
    with pytest.raises(CommandError, match="没有代码为“nope”的高校院所"):
        call_command("export_outcomes", str(path), institution="nope")
    assert not path.exists()
