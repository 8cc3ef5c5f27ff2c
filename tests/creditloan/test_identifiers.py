"""Tests for USCC (GB 32100) and resident ID (GB 11643) validation, masking, and the ResidentId field."""

import datetime as dt
import string

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloan.fields import ResidentId, ResidentIdField
from creditloan.identifiers import (
    RESIDENT_ID_CHECK_CHARS,
    USCC_ALPHABET,
    USCC_ENTITY_TYPES,
    InvalidIdentifier,
    mask_phone,
    mask_resident_id,
    organisation_code_check_character,
    resident_id_check_character,
    uscc_check_character,
    validate_resident_id,
    validate_uscc,
)
from creditloan.models import Enterprise, EnterpriseKind, EnterpriseStatus
from creditloan.reference.regions import PROVINCES

SHENZHEN_USCC = "914403001922038216"
RESIDENT_ID = "11010519491231002X"
# Fixed, so the birth-date checks do not depend on the day the suite runs.
TODAY = dt.date(2025, 6, 30)


def _rejects_uscc(code: str) -> bool:
    try:
        validate_uscc(code)
    except InvalidIdentifier:
        return True
    return False


def _rejects_resident_id(number: str) -> bool:
    try:
        validate_resident_id(number, today=TODAY)
    except InvalidIdentifier:
        return True
    return False


def _substitutions(code: str, positions: range, alphabet_at) -> list[str]:
    """Every code that differs from `code` in exactly one of `positions`, by a character allowed there."""
    return [
        code[:index] + replacement + code[index + 1 :]
        for index in positions
        for replacement in alphabet_at(index)
        if replacement != code[index]
    ]


# --- USCC -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [SHENZHEN_USCC, "91440300708461136T", "91110000802100433B"])
def test_real_usccs_are_valid(code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("91440300708461136t", "91440300708461136T"),
        ("  91110000802100433b\t", "91110000802100433B"),
        (f"\n{SHENZHEN_USCC} ", SHENZHEN_USCC),
    ],
)
def test_uscc_is_returned_upper_case_and_stripped(raw, canonical):
    assert validate_uscc(raw) == canonical


@st.composite
def valid_usccs(draw) -> str:
    authority = draw(st.sampled_from(sorted(USCC_ENTITY_TYPES)))
    entity_type = draw(st.sampled_from(USCC_ENTITY_TYPES[authority]))
    region = draw(st.sampled_from(sorted(PROVINCES))) + draw(st.text(string.digits, min_size=4, max_size=4))
    body = draw(st.text(USCC_ALPHABET, min_size=8, max_size=8))
    first_17 = authority + entity_type + region + body + organisation_code_check_character(body)
    return first_17 + uscc_check_character(first_17)


@settings(max_examples=200)
@given(valid_usccs())
def test_every_single_character_typo_in_a_valid_uscc_is_rejected(code):
    assert validate_uscc(code) == code

    typos = _substitutions(code, range(18), lambda _: USCC_ALPHABET)

    assert len(typos) == 18 * 30
    assert [typo for typo in typos if not _rejects_uscc(typo)] == []


@pytest.mark.parametrize(
    ("code", "message", "position"),
    [
        (SHENZHEN_USCC[:17], "should be 18 characters, got 17", None),
        (SHENZHEN_USCC + "0", "should be 18 characters, got 19", None),
        (
            "9144030019I2038216",
            "position 11: 'I' is not allowed (only 0-9 and A-H J-N P Q R T U W X Y)",
            11,
        ),
        (
            "91440300192203821O",
            "position 18: 'O' is not allowed (only 0-9 and A-H J-N P Q R T U W X Y)",
            18,
        ),
        (
            "B14403001922038216",
            "position 1: 'B' is not a registration authority code (one of 1 2 3 4 5 6 7 8 9 A N Y)",
            1,
        ),
        (
            "944403001922038216",
            "position 2: '4' is not an entity type of authority 9 (one of 1 2 3)",
            2,
        ),
        (
            "9144A3001922038216",
            "position 5: the administrative division code (positions 3-8) must be digits, got 'A'",
            5,
        ),
        ("919903001922038216", "position 3: '99' does not start a GB/T 2260 province code", 3),
        ("914403001922038226", "position 17: organisation code check character should be 1, got 2", 17),
        ("914403001922038217", "position 18: check character should be 6, got 7", 18),
        # A national code (positions 3-8 are 100000, see below) still needs both check characters and the whole
        # division.
        ("91100000100003962U", "position 18: check character should be T, got U", 18),
        ("91100000100003963T", "position 17: organisation code check character should be 2, got 3", 17),
        ("91101000100003962T", "position 3: '10' does not start a GB/T 2260 province code", 3),
    ],
)
def test_invalid_uscc_names_the_position_and_what_was_expected(code, message, position):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(code)

    assert caught.value.message == message
    assert str(caught.value) == message
    assert caught.value.position == position


# Registered by national authorities: positions 3-8 are 100000, the whole country, not a province.
@pytest.mark.parametrize(
    "code",
    [
        "91100000100003962T",  # Industrial and Commercial Bank of China (中国工商银行)
        "911000001000013428",  # Bank of China (中国银行)
        "911100001000044477",  # China Construction Bank (中国建设银行), registered in Beijing
    ],
)
def test_state_banks_codes_are_valid(code):
    assert validate_uscc(code) == code


# GB 32100-2015 table 1, written out from the standard rather than read from the code under test.
STANDARD_ENTITY_TYPES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国旅游部门常驻代表机构, 港澳台地区旅游部门常驻内地（大陆）代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}
DEFINED_PAIRS = [(authority, kind) for authority, kinds in STANDARD_ENTITY_TYPES.items() for kind in kinds]
UNDEFINED_PAIRS = [
    (authority, kind)
    for authority, kinds in STANDARD_ENTITY_TYPES.items()
    for kind in USCC_ALPHABET
    if kind not in kinds
]


def _uscc_of(authority: str, entity_type: str, region: str = "110000", body: str = "10000396") -> str:
    first_17 = authority + entity_type + region + body + organisation_code_check_character(body)
    return first_17 + uscc_check_character(first_17)


def test_entity_types_are_those_of_the_standard():
    assert USCC_ENTITY_TYPES == STANDARD_ENTITY_TYPES


@pytest.mark.parametrize(("authority", "entity_type"), DEFINED_PAIRS)
def test_every_authority_and_entity_type_the_standard_defines_is_accepted(authority, entity_type):
    code = _uscc_of(authority, entity_type)

    assert validate_uscc(code) == code


@pytest.mark.parametrize(("authority", "entity_type"), UNDEFINED_PAIRS)
def test_an_entity_type_the_standard_does_not_define_for_its_authority_is_refused(authority, entity_type):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(_uscc_of(authority, entity_type))

    allowed = " ".join(STANDARD_ENTITY_TYPES[authority])
    assert caught.value.message == (
        f"position 2: '{entity_type}' is not an entity type of authority {authority} (one of {allowed})"
    )
    assert caught.value.position == 2


# --- Resident ID ------------------------------------------------------------------------------------------


def test_real_resident_id_is_valid():
    assert validate_resident_id(RESIDENT_ID, today=TODAY) == RESIDENT_ID


def test_resident_id_check_x_may_be_lower_case():
    assert validate_resident_id(" 11010519491231002x ", today=TODAY) == RESIDENT_ID


@pytest.mark.parametrize(
    ("number", "today", "message", "position"),
    [
        ("110105194912310021", TODAY, "position 18: check character should be X, got 1", 18),
        (RESIDENT_ID[:17], TODAY, "should be 18 characters, got 17", None),
        ("110105194902300020", TODAY, "position 7: '19490230' is not a date of birth (YYYYMMDD)", 7),
        (RESIDENT_ID, dt.date(1949, 12, 30), "position 7: date of birth 1949-12-31 is not plausible", 7),
        ("110105189912310020", TODAY, "position 7: date of birth 1899-12-31 is not plausible", 7),
        ("1101051949123100AX", TODAY, "position 17: must be a digit, got 'A'", 17),
        ("99010519491231002X", TODAY, "position 1: '99' does not start a GB/T 2260 province code", 1),
        # str.isdigit() accepts these; int() reads the first and crashes on the second.
        ("11\uff1010519491231002X", TODAY, "position 3: must be a digit, got '\uff10'", 3),
        ("1101051949123100\u00b2X", TODAY, "position 17: must be a digit, got '\u00b2'", 17),
    ],
)
def test_invalid_resident_id_names_the_position_and_what_was_expected(number, today, message, position):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_resident_id(number, today=today)

    assert caught.value.message == message
    assert caught.value.position == position


def test_birth_date_of_today_is_plausible():
    born_today = "110105" + TODAY.strftime("%Y%m%d") + "002"
    number = born_today + resident_id_check_character(born_today)

    assert validate_resident_id(number, today=TODAY) == number


@st.composite
def valid_resident_ids(draw) -> str:
    region = draw(st.sampled_from(sorted(PROVINCES))) + draw(st.text(string.digits, min_size=4, max_size=4))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text(string.digits, min_size=3, max_size=3))
    first_17 = region + born.strftime("%Y%m%d") + sequence
    return first_17 + resident_id_check_character(first_17)


@settings(max_examples=200)
@given(valid_resident_ids())
def test_every_single_digit_typo_in_a_valid_resident_id_is_rejected(number):
    assert validate_resident_id(number, today=TODAY) == number

    typos = _substitutions(number, range(18), lambda index: string.digits if index < 17 else RESIDENT_ID_CHECK_CHARS)

    assert len(typos) == 17 * 9 + 10
    assert [typo for typo in typos if not _rejects_resident_id(typo)] == []


# --- Masking ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [(RESIDENT_ID, "110***********002X"), ("1234567", "*******"), ("", "")],
)
def test_mask_resident_id_keeps_first_three_and_last_four(number, masked):
    assert mask_resident_id(number) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13812345678", "138****5678"), (" 13812345678 ", "138****5678"), ("1234567", "*******"), ("", "")],
)
def test_mask_phone_keeps_first_three_and_last_four(number, masked):
    assert mask_phone(number) == masked


# --- ResidentId and its model field -----------------------------------------------------------------------


def test_resident_id_is_masked_unless_asked_for_unmasked():
    resident_id = ResidentId(RESIDENT_ID)

    assert str(resident_id) == "110***********002X"
    assert f"{resident_id}" == "110***********002X"
    assert repr(resident_id) == "ResidentId('110***********002X')"
    assert resident_id.unmasked == RESIDENT_ID


def test_resident_id_field_validates_and_wraps_input():
    field = ResidentIdField()

    assert field.to_python(" 11010519491231002x") == ResidentId(RESIDENT_ID)
    assert field.to_python("") is None
    with pytest.raises(ValidationError) as caught:
        field.to_python("110105194912310021")
    assert caught.value.messages == ["position 18: check character should be X, got 1"]
    assert caught.value.code == "invalid_resident_id"


def _enterprise(**overrides) -> Enterprise:
    now = timezone.now()
    values = {
        "uscc": SHENZHEN_USCC,
        "name": "深圳市示例科技有限公司",
        "kind": EnterpriseKind.COMPANY,
        "region": "440300",
        "industry": "3911",
        "registered_on": dt.date(2010, 5, 4),
        "status": EnterpriseStatus.ACTIVE,
        "legal_representative_name": "张三",
        "legal_representative_id": RESIDENT_ID,
        "source": "registry",
        "ingested_at": now,
        "updated_at": now,
    }
    return Enterprise(**{**values, **overrides})


@pytest.mark.django_db
def test_saved_resident_id_reads_back_masked_with_the_full_number_unmasked():
    enterprise = _enterprise()
    enterprise.save()

    stored = Enterprise.objects.get(pk=enterprise.pk).legal_representative_id

    assert isinstance(stored, ResidentId)
    assert str(stored) == "110***********002X"
    assert stored.unmasked == RESIDENT_ID


@pytest.mark.django_db
def test_enterprise_is_found_by_its_representatives_resident_id():
    enterprise = _enterprise()
    enterprise.save()

    assert list(Enterprise.objects.filter(legal_representative_id=RESIDENT_ID)) == [enterprise]
    assert list(Enterprise.objects.filter(legal_representative_id=ResidentId(RESIDENT_ID))) == [enterprise]


@pytest.mark.django_db
def test_enterprise_without_resident_id_reads_back_none():
    enterprise = _enterprise(legal_representative_id=None)
    enterprise.save()

    assert Enterprise.objects.get(pk=enterprise.pk).legal_representative_id is None


@pytest.mark.django_db
def test_database_rejects_a_company_with_a_sole_proprietor_code():
    company_with_92_code = _enterprise(uscc="92" + SHENZHEN_USCC[2:], kind=EnterpriseKind.COMPANY)

    with pytest.raises(IntegrityError, match="enterprise_kind_matches_uscc"), transaction.atomic():
        company_with_92_code.save()

    assert Enterprise.objects.count() == 0


def test_enterprise_clean_reports_a_wrong_check_character_under_uscc():
    enterprise = _enterprise(uscc=SHENZHEN_USCC[:17] + "7")

    with pytest.raises(ValidationError) as caught:
        enterprise.clean()

    assert caught.value.message_dict == {"uscc": ["position 18: check character should be 6, got 7"]}


def test_enterprise_clean_canonicalises_the_code():
    enterprise = _enterprise(uscc=" 91440300708461136t ")

    enterprise.clean()

    assert enterprise.uscc == "91440300708461136T"
