"""Importing files: the report names the bad rows, good rows land, re-imports change nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from unittest import mock

import pytest

from core.exceptions import ApplicationError
from imports import services, tasks
from imports.models import ImportJob, NeedImportKey
from needs.models import Need
from outcomes.models import Outcome
from tests.factories import EnterpriseFactory, InstitutionFactory, OutcomeFactory
from tests.imports.conftest import csv_bytes, errors_of, import_file, jsonl_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "编号",
    "标题",
    "摘要",
    "关键词",
    "产业链",
    "技术成熟度",
    "转化方式",
    "意向价格（万元）",
    "职务科技成果",
    "单列管理",
]
GOOD = [
    "A-1",
    "碳化硅功率模块银烧结封装",
    "纳米银烧结替代焊料，提高模块可靠性。",
    "碳化硅;银烧结",
    "半导体与集成电路",
    "6",
    "转让;许可",
    "300",
    "是",
    "是",
]
TRADITIONAL = [
    "A-2",
    "碳化矽功率模組封裝",
    "以奈米銀燒結取代焊料。",
    "碳化矽、功率模組",
    "新能源汽車",
    "5",
    "轉讓、技術服務",
    "",
    "否",
    "否",
]
MIXED = [
    HEADER,
    GOOD,
    TRADITIONAL,
    ["A-3", "一种储氢合金", "储氢", "", "氢能", "12", "", "-5", "是", "否"],
    ["A-4", "", "摘要", "", "火星产业", "abc", "出租", "", "也许", ""],
    ["A-1", "重复的编号", "摘要", "", "氢能", "3", "", "", "", ""],
    ["A-5", "超" * 201, "摘要", "", "hydrogen", "4", "", "", "", ""],
]
MIXED_ERRORS = [
    (4, "trl", "请确保该值小于或者等于 9。"),
    (4, "asking_price_wan", "请确保该值大于或者等于 0。"),
    (5, "title", "必填项，不能为空。"),
    (5, "industry_chain", "未知的产业链代码：“火星产业”。"),
    (5, "trl", "请填写合法的整数值。"),
    (5, "transfer_modes", "第1项：“出租” 不是合法选项。"),
    (5, "service_invention", "应填“是”或“否”，而不是“也许”。"),
    (6, "external_id", "与第 2 行重复，本行未导入。"),
    (7, "title", "请确保这个字段不能超过 200 个字符。"),
]


@pytest.fixture
def institution():
    return InstitutionFactory(code="xjtu")


@pytest.fixture
def queued():
    """The preparation-and-matching tasks the import queued, as (kind, ids) pairs."""
    with mock.patch.object(tasks.prepare_and_match_imported, "delay", autospec=True) as delay:
        yield delay


def test_it_reports_bad_rows_and_lands_good_ones(tmp_path, institution, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_file(tmp_path, "outcomes.csv", csv_bytes(MIXED))

    assert job.status == ImportJob.Status.DONE
    assert (job.total_rows, job.rows_done) == (6, 6)
    assert (job.created_count, job.updated_count, job.unchanged_count, job.failed_count) == (2, 0, 0, 4)
    assert errors_of(job) == MIXED_ERRORS
    first = Outcome.objects.get(institution=institution, external_id="A-1")
    assert first.keywords == ["碳化硅", "银烧结"]
    assert first.transfer_modes == ["assignment", "licence"]
    assert first.asking_price_wan == Decimal("300")
    assert first.service_invention and first.separately_managed
    traditional = Outcome.objects.get(institution=institution, external_id="A-2")
    assert traditional.title == "碳化矽功率模組封裝"  # stored as written; matching normalises it
    assert traditional.industry_chain == "new_energy_vehicles"
    assert traditional.transfer_modes == ["assignment", "technical_service"]
    assert traditional.asking_price_wan is None
    assert not traditional.service_invention
    # One task for the chunk, not one per row.
    queued.assert_called_once_with("outcomes", [first.pk, traditional.pk])


def test_the_report_downloads_as_csv_with_a_bom(tmp_path, institution, queued):
    job = import_file(tmp_path, "outcomes.csv", csv_bytes(MIXED))
    text = "".join(services.report_csv_lines(job))
    assert text.startswith("\ufeff行号,编号,列名,字段,原值,原因\r\n")
    assert "4,A-3,技术成熟度,trl,12,请确保该值小于或者等于 9。" in text
    assert "5,A-4,产业链,industry_chain,火星产业,未知的产业链代码：“火星产业”。" in text


def test_importing_the_same_file_twice_changes_nothing(
    tmp_path, institution, queued, django_capture_on_commit_callbacks
):
    import_file(tmp_path, "outcomes.csv", csv_bytes(MIXED))
    before = list(Outcome.objects.order_by("pk").values())
    queued.reset_mock()

    with django_capture_on_commit_callbacks(execute=True):
        again = import_file(tmp_path, "outcomes.csv", csv_bytes(MIXED))

    assert (again.created_count, again.updated_count, again.unchanged_count, again.failed_count) == (0, 0, 2, 4)
    assert list(Outcome.objects.order_by("pk").values()) == before  # updated_at included
    assert again.match_batches == 0
    queued.assert_not_called()


def test_a_changed_row_is_updated_and_matched_again(tmp_path, institution, queued, django_capture_on_commit_callbacks):
    import_file(tmp_path, "outcomes.csv", csv_bytes(MIXED))
    untouched = Outcome.objects.get(external_id="A-2")
    queued.reset_mock()
    changed = [HEADER, [*GOOD[:5], "7", *GOOD[6:]], TRADITIONAL]

    with django_capture_on_commit_callbacks(execute=True):
        job = import_file(tmp_path, "outcomes.csv", csv_bytes(changed))

    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    outcome = Outcome.objects.get(external_id="A-1")
    assert outcome.trl == 7
    assert outcome.updated_at > untouched.updated_at
    assert Outcome.objects.get(external_id="A-2").updated_at == untouched.updated_at
    queued.assert_called_once_with("outcomes", [outcome.pk])


def test_an_imported_chunk_is_prepared_and_matched(tmp_path, institution, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_file(tmp_path, "outcomes.csv", csv_bytes([HEADER, GOOD, TRADITIONAL]))
    for outcome in Outcome.objects.filter(institution=institution):
        assert outcome.is_text_prepared()
        assert outcome.tokens
    assert "碳化硅" in Outcome.objects.get(external_id="A-2").normalized_text


def test_an_absent_column_keeps_the_stored_value(tmp_path, institution, queued):
    OutcomeFactory(institution=institution, external_id="A-1", team="张教授团队", trl=4)
    job = import_file(tmp_path, "o.csv", csv_bytes([HEADER, GOOD]))
    assert job.updated_count == 1
    assert Outcome.objects.get(external_id="A-1").team == "张教授团队"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("utf8.csv", csv_bytes([HEADER, GOOD, TRADITIONAL])),
        ("bom.csv", b"\xef\xbb\xbf" + csv_bytes([HEADER, GOOD, TRADITIONAL])),
        (
            "gbk.csv",
            csv_bytes([HEADER, GOOD, ["A-2", "碳化硅模块", "银烧结。", "", "氢能", "5", "", "", "", ""]], "gb18030"),
        ),
        ("sheet.xlsx", xlsx_bytes([HEADER, [*GOOD[:5], 6, *GOOD[6:7], 300.0, *GOOD[8:]], TRADITIONAL])),
        ("lines.jsonl", jsonl_bytes([HEADER, GOOD, TRADITIONAL])),
    ],
)
def test_it_reads_every_supported_format(tmp_path, institution, queued, name, content):
    job = import_file(tmp_path, name, content)
    assert (job.status, job.created_count, job.failed_count) == (ImportJob.Status.DONE, 2, 0), errors_of(job)
    outcome = Outcome.objects.get(external_id="A-1")
    assert (outcome.trl, outcome.asking_price_wan, outcome.title) == (6, Decimal("300"), GOOD[1])


def test_it_reads_english_headers_and_json_lists(tmp_path, institution, queued):
    content = (
        b'{"external_id": "E-1", "title": "Proton exchange membrane", "abstract": "A PEM for fuel cells.", '
        b'"industry_chain": "hydrogen", "trl": 5, "keywords": ["PEM", "fuel cell"], '
        b'"transfer_modes": "licence|assignment", '
        b'"asking_price_wan": 12.5, "service_invention": false}\n'
        b"not json at all\n"
    )
    job = import_file(tmp_path, "en.jsonl", content)
    assert errors_of(job) == [(2, "", "该行不是合法的 JSON 对象。")]
    outcome = Outcome.objects.get(external_id="E-1")
    assert outcome.keywords == ["PEM", "fuel cell"]
    assert outcome.transfer_modes == ["licence", "assignment"]
    assert not outcome.service_invention


def test_it_reads_traditional_and_english_headers_in_csv(tmp_path, institution, queued):
    header = ["External ID", "標題", "摘要", "產業鏈", "TRL", "Asking price (万元)"]
    job = import_file(
        tmp_path, "o.csv", csv_bytes([header, ["T-1", "量子通信", "量子密钥分发。", "量子信息", "3", "1,200"]])
    )
    assert job.created_count == 1, errors_of(job)
    outcome = Outcome.objects.get(external_id="T-1")
    assert (outcome.industry_chain, outcome.asking_price_wan) == ("quantum_information", Decimal("1200"))


# --- files that are not what they claim ------------------------------------------------------------


def refused(tmp_path, name: str, content: bytes, **kwargs) -> str:
    with pytest.raises(ApplicationError) as caught:
        import_file(tmp_path, name, content, **kwargs)
    return caught.value.message


def test_it_refuses_binary_junk(tmp_path, institution):
    junk = bytes(range(256)) * 40
    assert "二进制" in refused(tmp_path, "junk.csv", junk)
    assert "不是 Excel 工作簿" in refused(tmp_path, "junk.xlsx", junk)
    assert "不是 JSON Lines" in refused(tmp_path, "junk.jsonl", b"hello\nworld\n")
    assert "不支持的文件类型" in refused(tmp_path, "junk.exe", junk)
    assert Outcome.objects.count() == 0
    assert not list((tmp_path / "uploads").iterdir())  # refused files are not kept


def test_it_refuses_a_zip_bomb_disguised_as_xlsx(tmp_path, institution):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100_000
    assert "压缩炸弹" in refused(tmp_path, "bomb.xlsx", buffer.getvalue())


def test_it_refuses_an_archive_that_inflates_past_the_limit(tmp_path, institution, settings):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 10_000
    assert "解压后" in refused(tmp_path, "big.xlsx", xlsx_bytes([HEADER, GOOD] * 20))


def test_it_refuses_an_oversized_file(tmp_path, institution, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    assert "超过上限 0 MB" in refused(tmp_path, "big.csv", csv_bytes([HEADER, *[GOOD] * 20]))


def test_it_refuses_too_many_rows_before_writing_any(tmp_path, institution, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [HEADER, *[[f"R-{i}", *GOOD[1:]] for i in range(5)]]
    job = import_file(tmp_path, "many.csv", csv_bytes(rows))
    assert job.status == ImportJob.Status.FAILED
    assert job.error_message == "文件超过 3 行的上限，已拒绝整个文件；请拆分后分批导入。"
    assert Outcome.objects.count() == 0


def test_it_refuses_a_file_without_the_required_columns(tmp_path, institution):
    message = refused(tmp_path, "o.csv", csv_bytes([["编号", "标题"], ["A-1", "x"]]))
    assert message.startswith("缺少必需的列：摘要（abstract）、产业链（industry_chain）、技术成熟度（trl）")
    assert "没有识别出任何列名" in refused(tmp_path, "o.csv", "甲,乙\n1,2\n".encode())


def test_it_refuses_an_unknown_owner(tmp_path):
    with pytest.raises(ApplicationError) as caught:
        import_file(tmp_path, "o.csv", csv_bytes([HEADER, GOOD]), owner="nope")
    assert caught.value.field == "institution"


# --- needs --------------------------------------------------------------------------------------------

NEED_HEADER = [
    "编号",
    "需求名称",
    "需求描述",
    "产业链",
    "城市",
    "预算",
    "最低技术成熟度",
    "期望合作方式",
    "截止日期",
    "保密",
    "状态",
]
NEED = [
    "N-1",
    "焊缝气孔攻关",
    "激光焊接铝合金托盘气孔多。",
    "新能源汽车",
    "咸阳",
    "150",
    "6",
    "合作开发",
    "2026/12/31",
    "否",
    "征集中",
]


def test_it_upserts_needs_by_their_number(tmp_path, queued):
    enterprise = EnterpriseFactory(code="bj")
    job = import_file(tmp_path, "n.csv", csv_bytes([NEED_HEADER, NEED]), kind="needs", owner="bj")
    assert job.created_count == 1, errors_of(job)
    need = Need.objects.get(enterprise=enterprise)
    assert (need.deadline, need.cooperation_modes, need.min_trl) == (dt.date(2026, 12, 31), ["co_development"], 6)
    assert NeedImportKey.objects.get(need=need).external_id == "N-1"

    renamed = import_file(
        tmp_path, "n.csv", csv_bytes([NEED_HEADER, ["N-1", "改名后的需求", *NEED[2:]]]), kind="needs", owner="bj"
    )
    assert (renamed.created_count, renamed.updated_count) == (0, 1)
    assert Need.objects.get(enterprise=enterprise).title == "改名后的需求"
    again = import_file(
        tmp_path, "n.csv", csv_bytes([NEED_HEADER, ["N-1", "改名后的需求", *NEED[2:]]]), kind="needs", owner="bj"
    )
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 1)


def test_it_upserts_needs_without_a_number_by_title(tmp_path, queued):
    EnterpriseFactory(code="bj")
    rows = [NEED_HEADER[1:], NEED[1:]]
    import_file(tmp_path, "n.csv", csv_bytes(rows), kind="needs", owner="bj")
    job = import_file(
        tmp_path, "n.csv", csv_bytes([NEED_HEADER[1:], [*NEED[1:5], "200", *NEED[6:]]]), kind="needs", owner="bj"
    )
    assert (job.created_count, job.updated_count) == (0, 1)
    assert Need.objects.get().budget_wan == Decimal("200")


def test_it_refuses_a_need_status_only_the_review_workflow_sets(tmp_path, queued):
    EnterpriseFactory(code="bj")
    job = import_file(tmp_path, "n.csv", csv_bytes([NEED_HEADER, [*NEED[:10], "已对接"]]), kind="needs", owner="bj")
    assert errors_of(job) == [(2, "status", "企业只能将需求设为草稿、征集中或已关闭。")]
