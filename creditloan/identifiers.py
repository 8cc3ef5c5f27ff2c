"""The identifiers every record is keyed by, validated to their national standards.

- 统一社会信用代码 (unified social credit code, USCC), GB 32100-2015, with the organisation code inside it
  checked to GB 11714.
- 公民身份号码 (resident identity number), GB 11643-1999.

Errors name the 1-based position a person would count to in the code and say what was expected there, so
whoever typed or exported the code can fix it; they are in the language of the request or task that asks.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from creditloan.reference.regions import PROVINCES

USCC_LENGTH = 18
# The 31 characters GB 32100 allows: digits and capitals without I, O, S, V, Z (easily misread).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(USCC_LENGTH - 1))

# Registration authority (position 1) and the entity types it may register (position 2), GB 32100-2015 table 1
# (N 农业 as added for rural collective economic organisations). Types a table row does not list are refused.
USCC_ENTITY_TYPES: dict[str, str] = {
    "1": "1239",  # 机构编制: 1 机关, 2 事业单位, 3 中央编办直接管理机构编制的群众团体, 9 其他
    "2": "19",  # 外交: 1 外国常驻新闻机构, 9 其他
    "3": "123459",  # 司法行政: 1 律师执业机构, 2 公证处, 3 基层法律服务所, 4 司法鉴定机构, 5 仲裁委员会, 9 其他
    "4": "19",  # 文化: 1 外国在华文化中心, 9 其他
    "5": "1239",  # 民政: 1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他
    "6": "129",  # 旅游: 1 外国旅游部门常驻代表机构, 2 港澳台地区旅游部门常驻内地（大陆）代表机构, 9 其他
    "7": "129",  # 宗教: 1 宗教活动场所, 2 宗教院校, 9 其他
    "8": "19",  # 工会: 1 基层工会, 9 其他
    "9": "123",  # 工商 / 市场监管: 1 企业, 2 个体工商户, 3 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 1 军队事业单位, 9 其他
    "N": "1239",  # 农业: 1 组级集体经济组织, 2 村级集体经济组织, 3 乡镇级集体经济组织, 9 其他
    "Y": "1",  # 其他: not divided into types, always 1
}
# Positions 3-8 of a code registered by a national authority (e.g. the State Administration for Market
# Regulation for the large state banks, 91100000100003962T): the whole country, not a province.
NATIONAL_DIVISION = "100000"

# GB 11714: the organisation code's eight body characters are digits and capitals valued 0-35.
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

RESIDENT_ID_LENGTH = 18
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"


class InvalidIdentifier(ValueError):
    """A code that breaks its standard; `position` is 1-based, or None when the whole code is at fault."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def uscc_check_character(first_17: str) -> str:
    """The 18th character GB 32100 prescribes for these 17."""
    total = sum(USCC_VALUES[char] * weight for char, weight in zip(first_17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organisation_code_check_character(body: str) -> str:
    """The 9th character GB 11714 prescribes for an organisation code's 8 body characters."""
    total = sum(int(char, 36) * weight for char, weight in zip(body, ORGANISATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(raw: str) -> str:
    """Return the canonical code (stripped, upper-case) or raise InvalidIdentifier saying what and where."""
    code = raw.strip().upper()
    if len(code) != USCC_LENGTH:
        raise InvalidIdentifier(_length_error(USCC_LENGTH, len(code)))
    for index, char in enumerate(code):
        if char not in USCC_VALUES:
            raise InvalidIdentifier(
                _("position %(position)d: '%(char)s' is not allowed (only 0-9 and A-H J-N P Q R T U W X Y)")
                % {"position": index + 1, "char": char},
                position=index + 1,
            )
    authority, entity_type = code[0], code[1]
    if authority not in USCC_ENTITY_TYPES:
        raise InvalidIdentifier(
            _("position 1: '%(char)s' is not a registration authority code (one of %(allowed)s)")
            % {"char": authority, "allowed": " ".join(USCC_ENTITY_TYPES)},
            position=1,
        )
    if entity_type not in USCC_ENTITY_TYPES[authority]:
        raise InvalidIdentifier(
            _("position 2: '%(char)s' is not an entity type of authority %(authority)s (one of %(allowed)s)")
            % {"char": entity_type, "authority": authority, "allowed": " ".join(USCC_ENTITY_TYPES[authority])},
            position=2,
        )
    region = code[2:8]
    if not region.isdigit():
        bad = next(i for i, char in enumerate(region) if not char.isdigit())
        raise InvalidIdentifier(
            _("position %(position)d: the administrative division code (positions 3-8) must be digits, got '%(char)s'")
            % {"position": 3 + bad, "char": region[bad]},
            position=3 + bad,
        )
    # Codes of divisions since merged or renamed stay valid for the firms registered under them, so only
    # the province is checked against today's GB/T 2260 table; 100000 is the national registration authority.
    if region != NATIONAL_DIVISION and region[:2] not in PROVINCES:
        raise InvalidIdentifier(_not_a_province(3, region[:2]), position=3)
    expected_org_check = organisation_code_check_character(code[8:16])
    if code[16] != expected_org_check:
        raise InvalidIdentifier(
            _("position 17: organisation code check character should be %(expected)s, got %(got)s")
            % {"expected": expected_org_check, "got": code[16]},
            position=17,
        )
    expected_check = uscc_check_character(code[:17])
    if code[17] != expected_check:
        raise InvalidIdentifier(_check_character_error(expected_check, code[17]), position=18)
    return code


def validate_resident_id(raw: str, *, today: dt.date | None = None) -> str:
    """Return the canonical resident ID number or raise InvalidIdentifier saying what and where."""
    number = raw.strip().upper()
    if len(number) != RESIDENT_ID_LENGTH:
        raise InvalidIdentifier(_length_error(RESIDENT_ID_LENGTH, len(number)))
    for index, char in enumerate(number[:17]):
        # Not str.isdigit(): it accepts full-width and other Unicode digits, which int() then reads or rejects.
        if char not in "0123456789":
            raise InvalidIdentifier(
                _("position %(position)d: must be a digit, got '%(char)s'") % {"position": index + 1, "char": char},
                position=index + 1,
            )
    if number[:2] not in PROVINCES:
        raise InvalidIdentifier(_not_a_province(1, number[:2]), position=1)
    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            _("position 7: '%(digits)s' is not a date of birth (YYYYMMDD)") % {"digits": number[6:14]}, position=7
        ) from None
    if birth_date > (today or dt.date.today()) or birth_date.year < 1900:
        raise InvalidIdentifier(
            _("position 7: date of birth %(date)s is not plausible") % {"date": birth_date.isoformat()}, position=7
        )
    expected_check = resident_id_check_character(number[:17])
    if number[17] != expected_check:
        raise InvalidIdentifier(_check_character_error(expected_check, number[17]), position=18)
    return number


def _length_error(expected: int, got: int) -> str:
    return _("should be %(expected)d characters, got %(got)d") % {"expected": expected, "got": got}


def _not_a_province(position: int, digits: str) -> str:
    return _("position %(position)d: '%(digits)s' does not start a GB/T 2260 province code") % {
        "position": position,
        "digits": digits,
    }


def _check_character_error(expected: str, got: str) -> str:
    return _("position 18: check character should be %(expected)s, got %(got)s") % {"expected": expected, "got": got}


def resident_id_check_character(first_17: str) -> str:
    total = sum(int(char) * weight for char, weight in zip(first_17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def mask_resident_id(number: str) -> str:
    """Keep the first 3 and last 4 characters: enough to tell two people apart, not enough to identify one."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(number: str) -> str:
    """A mobile number as 138****5678."""
    digits = number.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
