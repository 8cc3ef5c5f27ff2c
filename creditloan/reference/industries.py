"""GB/T 4754-2017 (国民经济行业分类) at the section (门类) and division (大类) level.

Loan products and applicant firms both declare an industry, and lenders write their
eligibility rules against this national standard, so matching needs one shared, validated
vocabulary. Only sections and divisions are listed: product rules are written at that
granularity, and finer group/class codes (中类/小类) are accepted but only checked as far
as their division prefix, which keeps this table small enough to review by eye.

This module deliberately imports nothing from Django or third-party packages so that the
ingestion pipeline, the scoring code and plain unit tests can all use it without settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DIVISIONS",
    "DIVISION_WEIGHTS",
    "SECTIONS",
    "Division",
    "Section",
    "UnknownIndustryCode",
    "normalise_industry_code",
    "section_of",
]

STANDARD = "GB/T 4754-2017"


@dataclass(frozen=True, slots=True)
class Section:
    """A 门类; frozen so the shared reference table cannot be mutated by a caller by accident."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Division:
    """A 大类; carries its section letter so a lookup never needs to consult the range table."""

    code: str
    section: str
    name_zh: str
    name_en: str


_SECTION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "采矿业", "Mining"),
    ("C", "制造业", "Manufacturing"),
    ("D", "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply"),
    ("E", "建筑业", "Construction"),
    ("F", "批发和零售业", "Wholesale and retail trade"),
    ("G", "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    ("H", "住宿和餐饮业", "Accommodation and catering"),
    ("I", "信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    ("J", "金融业", "Finance"),
    ("K", "房地产业", "Real estate"),
    ("L", "租赁和商务服务业", "Leasing and business services"),
    ("M", "科学研究和技术服务业", "Scientific research and technical services"),
    ("N", "水利、环境和公共设施管理业", "Water, environment and public facilities management"),
    ("O", "居民服务、修理和其他服务业", "Resident services, repair and other services"),
    ("P", "教育", "Education"),
    ("Q", "卫生和社会工作", "Health and social work"),
    ("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ("S", "公共管理、社会保障和社会组织", "Public administration, social security and social organisations"),
    ("T", "国际组织", "International organisations"),
)

_DIVISION_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # A 农、林、牧、渔业
    ("01", "A", "农业", "Agriculture (crop farming)"),
    ("02", "A", "林业", "Forestry"),
    ("03", "A", "畜牧业", "Animal husbandry"),
    ("04", "A", "渔业", "Fishery"),
    ("05", "A", "农、林、牧、渔专业及辅助性活动", "Support activities for agriculture, forestry and fishery"),
    # B 采矿业
    ("06", "B", "煤炭开采和洗选业", "Coal mining and washing"),
    ("07", "B", "石油和天然气开采业", "Oil and natural gas extraction"),
    ("08", "B", "黑色金属矿采选业", "Ferrous metal ore mining"),
    ("09", "B", "有色金属矿采选业", "Non-ferrous metal ore mining"),
    ("10", "B", "非金属矿采选业", "Non-metallic mineral mining"),
    ("11", "B", "开采专业及辅助性活动", "Mining support activities"),
    ("12", "B", "其他采矿业", "Other mining"),
    # C 制造业
    ("13", "C", "农副食品加工业", "Agricultural and sideline food processing"),
    ("14", "C", "食品制造业", "Food manufacturing"),
    ("15", "C", "酒、饮料和精制茶制造业", "Liquor, beverages and refined tea"),
    ("16", "C", "烟草制品业", "Tobacco products"),
    ("17", "C", "纺织业", "Textiles"),
    ("18", "C", "纺织服装、服饰业", "Textile garments and apparel"),
    ("19", "C", "皮革、毛皮、羽毛及其制品和制鞋业", "Leather, fur, feather products and footwear"),
    ("20", "C", "木材加工和木、竹、藤、棕、草制品业", "Wood, bamboo, rattan, palm and straw products"),
    ("21", "C", "家具制造业", "Furniture"),
    ("22", "C", "造纸和纸制品业", "Paper and paper products"),
    ("23", "C", "印刷和记录媒介复制业", "Printing and reproduction of recorded media"),
    ("24", "C", "文教、工美、体育和娱乐用品制造业", "Stationery, crafts, sports and entertainment goods"),
    ("25", "C", "石油、煤炭及其他燃料加工业", "Petroleum, coal and other fuel processing"),
    ("26", "C", "化学原料和化学制品制造业", "Chemical raw materials and chemical products"),
    ("27", "C", "医药制造业", "Pharmaceuticals"),
    ("28", "C", "化学纤维制造业", "Chemical fibres"),
    ("29", "C", "橡胶和塑料制品业", "Rubber and plastic products"),
    ("30", "C", "非金属矿物制品业", "Non-metallic mineral products"),
    ("31", "C", "黑色金属冶炼和压延加工业", "Ferrous metal smelting and rolling"),
    ("32", "C", "有色金属冶炼和压延加工业", "Non-ferrous metal smelting and rolling"),
    ("33", "C", "金属制品业", "Fabricated metal products"),
    ("34", "C", "通用设备制造业", "General-purpose machinery"),
    ("35", "C", "专用设备制造业", "Special-purpose machinery"),
    ("36", "C", "汽车制造业", "Motor vehicles"),
    ("37", "C", "铁路、船舶、航空航天和其他运输设备制造业", "Railway, ship, aerospace and other vehicles"),
    ("38", "C", "电气机械和器材制造业", "Electrical machinery and equipment"),
    ("39", "C", "计算机、通信和其他电子设备制造业", "Computers, communications and electronics"),
    ("40", "C", "仪器仪表制造业", "Instruments and meters"),
    ("41", "C", "其他制造业", "Other manufacturing"),
    ("42", "C", "废弃资源综合利用业", "Recycling and reuse of waste resources"),
    ("43", "C", "金属制品、机械和设备修理业", "Repair of metal products, machinery and equipment"),
    # D 电力、热力、燃气及水生产和供应业
    ("44", "D", "电力、热力生产和供应业", "Electricity and heat production and supply"),
    ("45", "D", "燃气生产和供应业", "Gas production and supply"),
    ("46", "D", "水的生产和供应业", "Water production and supply"),
    # E 建筑业
    ("47", "E", "房屋建筑业", "Building construction"),
    ("48", "E", "土木工程建筑业", "Civil engineering"),
    ("49", "E", "建筑安装业", "Construction installation"),
    ("50", "E", "建筑装饰、装修和其他建筑业", "Building decoration, renovation and other construction"),
    # F 批发和零售业
    ("51", "F", "批发业", "Wholesale trade"),
    ("52", "F", "零售业", "Retail trade"),
    # G 交通运输、仓储和邮政业
    ("53", "G", "铁路运输业", "Rail transport"),
    ("54", "G", "道路运输业", "Road transport"),
    ("55", "G", "水上运输业", "Water transport"),
    ("56", "G", "航空运输业", "Air transport"),
    ("57", "G", "管道运输业", "Pipeline transport"),
    ("58", "G", "多式联运和运输代理业", "Multimodal transport and freight forwarding"),
    ("59", "G", "装卸搬运和仓储业", "Cargo handling and warehousing"),
    ("60", "G", "邮政业", "Postal and courier services"),
    # H 住宿和餐饮业
    ("61", "H", "住宿业", "Accommodation"),
    ("62", "H", "餐饮业", "Catering"),
    # I 信息传输、软件和信息技术服务业
    ("63", "I", "电信、广播电视和卫星传输服务", "Telecom, broadcasting and satellite"),
    ("64", "I", "互联网和相关服务", "Internet and related services"),
    ("65", "I", "软件和信息技术服务业", "Software and IT services"),
    # J 金融业
    ("66", "J", "货币金融服务", "Monetary and financial services"),
    ("67", "J", "资本市场服务", "Capital market services"),
    ("68", "J", "保险业", "Insurance"),
    ("69", "J", "其他金融业", "Other financial services"),
    # K 房地产业
    ("70", "K", "房地产业", "Real estate"),
    # L 租赁和商务服务业
    ("71", "L", "租赁业", "Leasing"),
    ("72", "L", "商务服务业", "Business services"),
    # M 科学研究和技术服务业
    ("73", "M", "研究和试验发展", "Research and experimental development"),
    ("74", "M", "专业技术服务业", "Professional technical services"),
    ("75", "M", "科技推广和应用服务业", "Technology promotion and application services"),
    # N 水利、环境和公共设施管理业
    ("76", "N", "水利管理业", "Water conservancy management"),
    ("77", "N", "生态保护和环境治理业", "Ecological protection and environmental remediation"),
    ("78", "N", "公共设施管理业", "Public facilities management"),
    ("79", "N", "土地管理业", "Land management"),
    # O 居民服务、修理和其他服务业
    ("80", "O", "居民服务业", "Resident services"),
    ("81", "O", "机动车、电子产品和日用产品修理业", "Repair of vehicles, electronics and goods"),
    ("82", "O", "其他服务业", "Other services"),
    # P 教育
    ("83", "P", "教育", "Education"),
    # Q 卫生和社会工作
    ("84", "Q", "卫生", "Health"),
    ("85", "Q", "社会工作", "Social work"),
    # R 文化、体育和娱乐业
    ("86", "R", "新闻和出版业", "News and publishing"),
    ("87", "R", "广播、电视、电影和录音制作业", "Radio, television, film and sound recording"),
    ("88", "R", "文化艺术业", "Culture and arts"),
    ("89", "R", "体育", "Sports"),
    ("90", "R", "娱乐业", "Entertainment"),
    # S 公共管理、社会保障和社会组织
    ("91", "S", "中国共产党机关", "Organs of the Communist Party of China"),
    ("92", "S", "国家机构", "State organs"),
    ("93", "S", "人民政协、民主党派", "CPPCC and democratic parties"),
    ("94", "S", "社会保障", "Social security"),
    ("95", "S", "群众团体、社会团体和其他成员组织", "Mass, social and membership organisations"),
    ("96", "S", "基层群众自治组织及其他组织", "Grassroots self-governing and other organisations"),
    # T 国际组织
    ("97", "T", "国际组织", "International organisations"),
)

SECTIONS: dict[str, Section] = {code: Section(code, zh, en) for code, zh, en in _SECTION_ROWS}
DIVISIONS: dict[str, Division] = {code: Division(code, section, zh, en) for code, section, zh, en in _DIVISION_ROWS}

# Relative shares, in rough percent, of registered small firms and sole proprietors (个体工商户) per
# division. They are only used to draw a believable demo population, so they are approximate on
# purpose: trade and catering dominate, manufacturing is spread thinly over many divisions, and
# bodies that are not market entities (party and state organs, international organisations) are zero.
_RAW_DIVISION_WEIGHTS: dict[str, float] = {
    # A
    "01": 2.2, "02": 0.4, "03": 1.2, "04": 0.5, "05": 0.7,
    # B
    "06": 0.05, "07": 0.01, "08": 0.03, "09": 0.03, "10": 0.12, "11": 0.04, "12": 0.02,
    # C
    "13": 0.6, "14": 0.35, "15": 0.25, "16": 0.005, "17": 0.35, "18": 0.55, "19": 0.2, "20": 0.3,
    "21": 0.3, "22": 0.15, "23": 0.25, "24": 0.2, "25": 0.03, "26": 0.35, "27": 0.08, "28": 0.02,
    "29": 0.45, "30": 0.55, "31": 0.04, "32": 0.06, "33": 0.75, "34": 0.7, "35": 0.6, "36": 0.2,
    "37": 0.08, "38": 0.5, "39": 0.35, "40": 0.12, "41": 0.15, "42": 0.15, "43": 0.15,
    # D
    "44": 0.2, "45": 0.05, "46": 0.05,
    # E
    "47": 1.0, "48": 0.9, "49": 0.8, "50": 2.3,
    # F
    "51": 20.0, "52": 24.0,
    # G
    "53": 0.01, "54": 2.8, "55": 0.1, "56": 0.02, "57": 0.005, "58": 0.3, "59": 0.5, "60": 0.3,
    # H
    "61": 1.2, "62": 8.0,
    # I
    "63": 0.2, "64": 0.8, "65": 2.5,
    # J
    "66": 0.05, "67": 0.1, "68": 0.15, "69": 0.2,
    # K
    "70": 1.2,
    # L
    "71": 0.8, "72": 8.5,
    # M
    "73": 0.8, "74": 1.5, "75": 3.5,
    # N
    "76": 0.05, "77": 0.3, "78": 0.3, "79": 0.02,
    # O
    "80": 3.5, "81": 1.5, "82": 1.5,
    # P
    "83": 0.6,
    # Q
    "84": 0.6, "85": 0.05,
    # R
    "86": 0.1, "87": 0.3, "88": 0.6, "89": 0.3, "90": 0.6,
    # S
    "91": 0.0, "92": 0.0, "93": 0.0, "94": 0.0, "95": 0.02, "96": 0.01,
    # T
    "97": 0.0,
}  # fmt: skip

# Normalised here rather than by hand so the raw table can be tuned without re-balancing it.
_RAW_TOTAL = sum(_RAW_DIVISION_WEIGHTS.values())
DIVISION_WEIGHTS: dict[str, float] = {code: _RAW_DIVISION_WEIGHTS[code] / _RAW_TOTAL for code in DIVISIONS}

_CODE_PATTERN = re.compile(r"(?P<letter>[A-T])?(?P<digits>[0-9]{2,4})")


class UnknownIndustryCode(ValueError):
    """Subclasses ValueError so form and serializer layers can treat it as ordinary bad input."""


def normalise_industry_code(raw: str) -> str:
    """Return the digits-only code, because applicants and product sheets write it in several forms.

    Sources mix "39", "C39", " c3911 " and the like; storing one canonical form lets matching
    compare codes by prefix. The section letter is optional, but when present it must agree with
    the division, since a mismatch usually means the code itself was mistyped.
    """
    text = raw.strip().upper() if isinstance(raw, str) else raw
    match = _CODE_PATTERN.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise UnknownIndustryCode(f"must be 2 to 4 digits, optionally prefixed by its section letter, got {raw!r}")
    letter, digits = match.group("letter"), match.group("digits")
    division = DIVISIONS.get(digits[:2])
    if division is None:
        raise UnknownIndustryCode(f"{digits[:2]} is not a {STANDARD} division (valid divisions are 01–97)")
    if letter is not None and letter != division.section:
        raise UnknownIndustryCode(
            f"section {letter} does not contain division {division.code} "
            f"({division.code} is in section {division.section})"
        )
    return digits


def section_of(code: str) -> Section:
    """Map any accepted code to its 门类, because several lenders state eligibility by section only."""
    return SECTIONS[DIVISIONS[normalise_industry_code(code)[:2]].section]
