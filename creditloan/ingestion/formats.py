"""The five import formats: one table of columns per source, and the checks that span columns.

docs/data-formats.md is generated from these tables (`python manage.py describe_formats`), and a test keeps
the two in step, so the documentation cannot drift from what the importer enforces.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import models

from creditloan.identifiers import mask_resident_id
from creditloan.ingestion.fields import (
    Column,
    choice,
    parse_amount,
    parse_count,
    parse_date,
    parse_industry,
    parse_region,
    parse_resident_id,
    parse_uscc,
    parse_year,
    text,
)
from creditloan.ingestion.problems import CellRefused, Problem, in_every_language
from creditloan.ingestion.vectorised import as_arrow, holds_nul
from creditloan.models import (
    BankRecord,
    CustomsCreditClass,
    CustomsRecord,
    Enterprise,
    EnterpriseKind,
    EnterpriseStatus,
    PenaltySeverity,
    PublicCreditKind,
    PublicCreditRecord,
    RecordSource,
    TaxCreditRating,
    TaxRecord,
)
from creditloan.models.enterprises import KIND_BY_USCC_PREFIX

FieldError = tuple[str, Problem]
Row = dict[str, str | None]


NUL = "\x00"


@dataclass(frozen=True)
class RowCheck:
    """A rule that spans columns, said once in words (for docs/data-formats.md) and written twice: per row,
    returning the (column, message) pairs that are wrong, and over a whole chunk (an Arrow table of the chunk's
    values), returning the mask of rows the per-row check must look at and the table with any derived value
    filled (an empty kind from the code), as the per-row check fills it."""

    rule: str
    per_row: Callable[[Row], list[FieldError]]
    per_table: Callable[[pa.Table], tuple[np.ndarray, pa.Table]]


@dataclass(frozen=True)
class SourceFormat:
    source: RecordSource
    model: type[models.Model]
    columns: tuple[Column, ...]
    description: str
    row_checks: tuple[RowCheck, ...] = field(default=())

    @property
    def chinese_headers(self) -> dict[str, str]:
        """Each column's name as Chinese government exports head it (CHINESE_HEADERS)."""
        return CHINESE_HEADERS[self.source.value]

    @property
    def columns_by_chinese(self) -> dict[str, str]:
        return {chinese: name for name, chinese in self.chinese_headers.items()}

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def personal_fields(self) -> tuple[str, ...]:
        return tuple(column.model_field for column in self.columns if column.personal)

    def masked(self, row: Row) -> Row:
        """The row as it may be kept for inspection: personal identifiers masked, and a NUL written as the symbol
        that shows one (PostgreSQL's jsonb cannot hold the character itself)."""
        masked = {name: cell.replace(NUL, "␀") if cell else cell for name, cell in row.items()}
        for name in self.personal_fields:
            if masked.get(name):
                masked[name] = mask_resident_id(masked[name])
        return masked

    @property
    def is_registry(self) -> bool:
        return self.source == RecordSource.ENTERPRISES

    def validate(self, cells: Sequence[str | None]) -> tuple[Row, list[FieldError]]:
        """Parse one row's cells (in column order; None where the file has no such column)."""
        values: Row = {}
        errors: list[FieldError] = []
        for column, cell in zip(self.columns, cells):
            if cell is None or cell == "" or cell.isspace():
                if column.required:
                    errors.append((column.name, Problem("required")))
                values[column.model_field] = column.default
                continue
            if NUL in cell:
                errors.append((column.name, Problem("nul_character")))
                continue
            try:
                values[column.model_field] = column.parse(cell)
            except CellRefused as refusal:
                errors.append((column.name, refusal.problem))
            except ValueError:
                errors.append((column.name, _parser_refusal(column, cell)))
        if not errors:
            for check in self.row_checks:
                errors.extend(check.per_row(values))
        return values, errors

    def validate_chunk(
        self, row_numbers: Sequence[int] | np.ndarray, columns: Sequence[Sequence[str | None] | pa.Array]
    ) -> tuple[pa.Table, list[tuple[int, list[FieldError], Row]]]:
        """Validate many rows at once, given column by column in the format's order (Arrow string arrays, or
        sequences of str and None): an Arrow table of the valid rows' values (`row_number`, then the model
        fields, all text, in file order) and the invalid rows with their errors and cells.

        Whole columns are checked first (vectorised.py); only rows that a column check cannot vouch for go
        through `validate`, which decides and explains. Both therefore agree by construction."""
        count = len(row_numbers)
        data: dict[str, pa.Array] = {"row_number": pa.array(np.asarray(row_numbers, dtype=np.int64))}
        if not count:
            return pa.table({**data, **{c.model_field: pa.array([], pa.string()) for c in self.columns}}), []
        vouched = np.ones(count, dtype=bool)
        cells_by_column = []
        for column, given in zip(self.columns, columns):
            cells = as_arrow(given)
            cells_by_column.append(cells)
            # White space alone is refused by every acceptor below, and the parsers then treat it as empty.
            empty = pc.or_kleene(cells.is_null(), pc.equal(cells, "")).fill_null(True)
            present = pc.invert(empty)
            empty_mask = empty.to_numpy(zero_copy_only=False)
            if column.required:
                vouched &= ~empty_mask
            if not empty_mask.all():
                present_cells = cells.filter(present)
                accepted = np.ones(count, dtype=bool)
                accepted[~empty_mask] = column.acceptor(present_cells) & ~holds_nul(present_cells)
                vouched &= accepted
            default = pa.scalar(column.default, type=pa.string())
            data[column.model_field] = pc.if_else(empty, default, cells) if empty_mask.any() else cells
        table = pa.table(data)
        for check in self.row_checks:
            needs_row_check, table = check.per_table(table)
            vouched &= ~needs_row_check
        good = table.filter(pa.array(vouched))
        slow = np.flatnonzero(~vouched)
        if not len(slow):
            return good, []
        # The rows the column checks left: their cells as Python strings, one row at a time through `validate`.
        taken = pa.array(slow)
        slow_cells = list(zip(*(cells.take(taken).to_pylist() for cells in cells_by_column)))
        slow_good: list[Row] = []
        rejected: list[tuple[int, list[FieldError], Row]] = []
        for index, cells in zip(slow, slow_cells):
            values, errors = self.validate(cells)
            if errors:
                rejected.append((int(row_numbers[index]), errors, self.masked(dict(zip(self.column_names, cells)))))
            else:
                slow_good.append({"row_number": int(row_numbers[index]), **values})
        if slow_good:
            good = pa.concat_tables([good, pa.Table.from_pylist(slow_good, schema=table.schema)])
            good = good.sort_by("row_number")
        return good, rejected


def _parser_refusal(column: Column, cell: str) -> Problem:
    """A refusal worded by a parser the pages and the API share (identifiers, numbers, dates), which words it in
    the active language: asked again in each language, so the stored row reads in any of them."""

    def words() -> str:
        try:
            column.parse(cell)
        except ValueError as error:
            return str(error)
        return ""

    return Problem("invalid_value", {"value": cell[:200], "detail": in_every_language(words)})


def _source_column(source: RecordSource) -> Column:
    return text(
        "source",
        64,
        f"the source system that sent the row; record ids are unique within it (default: {source.value})",
        required=False,
        default=source.value,
    )


def _record_id_column() -> Column:
    return text(
        "record_id",
        64,
        "the source system's own id of the record: importing it again updates the record instead of adding one",
        field="source_record_id",
    )


def _uscc_column(meaning: str) -> Column:
    return Column("uscc", parse_uscc, "统一社会信用代码 (18)", meaning)


def _kind_matches_uscc(values: Row) -> list[FieldError]:
    implied = EnterpriseKind.from_uscc(values["uscc"])
    if values["kind"] is None:
        values["kind"] = implied.value
        return []
    if values["kind"] != implied:
        params = {"uscc": values["uscc"], "implied": implied.value, "kind": values["kind"]}
        return [("kind", Problem("kind_mismatch", params))]
    return []


def _with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _mask(result) -> np.ndarray:
    return result.fill_null(False).to_numpy(zero_copy_only=False)


_PREFIXES = pa.array(list(KIND_BY_USCC_PREFIX), type=pa.string())
_KINDS_OF_PREFIXES = pa.array([str(kind) for kind in KIND_BY_USCC_PREFIX.values()], type=pa.string())


def _kind_matches_uscc_table(table: pa.Table) -> tuple[np.ndarray, pa.Table]:
    prefixes = pc.utf8_slice_codeunits(table["uscc"], 0, 2)
    implied = pc.take(_KINDS_OF_PREFIXES, pc.index_in(prefixes, value_set=_PREFIXES))
    implied = implied.fill_null(EnterpriseKind.OTHER.value)
    given = table["kind"]
    missing = given.is_null()
    wrong = _mask(pc.and_(pc.invert(missing), pc.not_equal(given, implied)))
    return wrong, _with_column(table, "kind", pc.if_else(missing, implied, given))


KIND_MATCHES_USCC = RowCheck(
    "`kind` must agree with the code: a code starting 91 registers a `company`, 92 a `sole_proprietor`, "
    "93 a `cooperative`, any other an `other`. An empty `kind` is taken from the code.",
    _kind_matches_uscc,
    _kind_matches_uscc_table,
)


def date_not_before(later: str, earlier: str) -> RowCheck:
    def per_row(values: Row) -> list[FieldError]:
        if values[later] is not None and values[later] < values[earlier]:
            params = {"value": values[later], "other": earlier, "other_value": values[earlier]}
            return [(later, Problem("date_before", params))]
        return []

    def per_table(table: pa.Table) -> tuple[np.ndarray, pa.Table]:
        # ISO dates order as text. A row missing `earlier` is refused by that column's own check.
        return _mask(pc.less(table[later], table[earlier])), table

    return RowCheck(f"`{later}`, when given, must not be before `{earlier}`.", per_row, per_table)


def _severity_only_for_penalties(values: Row) -> list[FieldError]:
    is_penalty = values["kind"] == PublicCreditKind.ADMINISTRATIVE_PENALTY
    if is_penalty and values["severity"] is None:
        return [("severity", Problem("severity_required"))]
    if not is_penalty and values["severity"] is not None:
        return [("severity", Problem("severity_not_allowed", {"kind": values["kind"]}))]
    if not is_penalty:
        values["severity"] = ""
    return []


def _severity_only_for_penalties_table(table: pa.Table) -> tuple[np.ndarray, pa.Table]:
    is_penalty = _mask(pc.equal(table["kind"], PublicCreditKind.ADMINISTRATIVE_PENALTY.value))
    given = _mask(table["severity"].is_valid())
    emptied = pc.if_else(pa.array(~is_penalty & ~given), pa.scalar("", pa.string()), table["severity"])
    return is_penalty != given, _with_column(table, "severity", emptied)


SEVERITY_ONLY_FOR_PENALTIES = RowCheck(
    "`severity` is required when `kind` is `administrative_penalty`, and must be empty for every other kind.",
    _severity_only_for_penalties,
    _severity_only_for_penalties_table,
)


def months_after(day, months: int):
    """The same day of the month `months` later, or the month's last day where it has fewer."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _repair_after_minimum_publication(values: Row) -> list[FieldError]:
    if values["kind"] != PublicCreditKind.ADMINISTRATIVE_PENALTY or values["repaired_on"] is None:
        return []
    minimum = settings.CREDIT_REPAIR_MIN_PUBLICATION_MONTHS.get(values["severity"], 0)
    # Dates arrive as ISO text (parse_date), which orders as the dates do.
    earliest = months_after(dt.date.fromisoformat(values["decision_date"]), minimum).isoformat()
    # Refusing the row would lose the penalty itself; the repair takes effect when the rules let it.
    values["repaired_on"] = max(values["repaired_on"], earliest)
    return []


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _repair_after_minimum_publication_table(table: pa.Table) -> tuple[np.ndarray, pa.Table]:
    """The same as the per-row rule, column-wise: months added as months_after adds them (the day cut to the
    month's last), the repair moved to that end when it is earlier. A penalty whose decision date cannot be read
    here is left to the per-row check (its row is refused by the date's own check anyway)."""
    count = table.num_rows
    needs_row_check = np.zeros(count, dtype=bool)
    is_penalty = pc.equal(table["kind"], PublicCreditKind.ADMINISTRATIVE_PENALTY.value)
    rows = np.flatnonzero(_mask(pc.and_(is_penalty, table["repaired_on"].is_valid())))
    if not len(rows):
        return needs_row_check, table
    taken = pa.array(rows)
    decided = pc.strptime(table["decision_date"].take(taken), format="%Y-%m-%d", unit="s", error_is_null=True)
    readable = _mask(decided.is_valid())
    minimum = settings.CREDIT_REPAIR_MIN_PUBLICATION_MONTHS
    months = np.array([minimum.get(severity, 0) for severity in table["severity"].take(taken).to_pylist()])
    year, month, day = (pc.fill_null(part(decided), 1).to_numpy() for part in (pc.year, pc.month, pc.day))
    month_index = month - 1 + months
    year, month = year + month_index // 12, month_index % 12 + 1
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = np.minimum(day, _DAYS_IN_MONTH[month] + ((month == 2) & leap))
    first_of_month = ((year - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    earliest = np.datetime_as_string(first_of_month + (day - 1), unit="D").astype(object)
    repaired = table["repaired_on"].take(taken).to_numpy(zero_copy_only=False)
    # Dates arrive as ISO text (parse_date), which orders as the dates do.
    moved = readable & (repaired < earliest)
    needs_row_check[rows[~readable]] = True
    if moved.any():
        at = np.zeros(count, dtype=bool)
        at[rows[moved]] = True
        column = pc.replace_with_mask(
            table["repaired_on"].combine_chunks(), pa.array(at), pa.array(earliest[moved], type=pa.string())
        )
        table = _with_column(table, "repaired_on", column)
    return needs_row_check, table


REPAIR_AFTER_MINIMUM_PUBLICATION = RowCheck(
    "A penalty's repair (`repaired_on`) takes effect no earlier than the end of its minimum publication period: "
    "by default 0 months for a `minor` penalty, 3 for an `ordinary` and 12 for a `serious` one after "
    "`decision_date` (settings CREDIT_REPAIR_MIN_PUBLICATION_MONTHS). An earlier date is stored as that end.",
    _repair_after_minimum_publication,
    _repair_after_minimum_publication_table,
)


ENTERPRISES = SourceFormat(
    source=RecordSource.ENTERPRISES,
    model=Enterprise,
    description="The enterprise registry (工商登记): one row per firm; importing a firm again updates it.",
    columns=(
        _uscc_column("the firm's unified social credit code (GB 32100-2015), checked to both check characters"),
        text("name", 200, "registered name"),
        choice(
            "kind",
            tuple(EnterpriseKind.values),
            "company, sole proprietor (个体工商户), farmers' cooperative (农民专业合作社) or other; "
            "must agree with the code (91…, 92…, 93…); derived from the code when empty",
            required=False,
        ),
        Column("region", parse_region, "GB/T 2260 code (6)", "administrative division of registration"),
        Column("industry", parse_industry, "GB/T 4754-2017 code", "division (2 digits) or finer, e.g. 51 or C3911"),
        Column("registered_on", parse_date, "date", "date of establishment (成立日期)"),
        Column(
            "registered_capital",
            parse_amount,
            "amount",
            "registered capital (注册资本) in yuan; for a sole proprietor its capital amount (资金数额), for a "
            "cooperative its members' total contributions (成员出资总额), for another organisation its funds",
            required=False,
        ),
        choice(
            "status",
            tuple(EnterpriseStatus.values),
            "registration status (default active)",
            required=False,
            default=EnterpriseStatus.ACTIVE.value,
        ),
        text(
            "legal_representative_name",
            100,
            "legal representative (法定代表人); for a sole proprietor its operator (经营者), for another "
            "organisation its person in charge (负责人)",
        ),
        Column(
            "legal_representative_id",
            parse_resident_id,
            "resident ID (18)",
            "resident ID number (GB 11643) of the person named in `legal_representative_name`, stored and shown masked",
            required=False,
            personal=True,
        ),
        _source_column(RecordSource.ENTERPRISES),
    ),
    row_checks=(KIND_MATCHES_USCC,),
)

PUBLIC_CREDIT = SourceFormat(
    source=RecordSource.PUBLIC_CREDIT,
    model=PublicCreditRecord,
    description="Public credit information (公共信用信息): penalties, licences, lists, commitments, commendations.",
    columns=(
        _uscc_column("the firm the record is about; it must be registered, or in the same batch"),
        _record_id_column(),
        choice("kind", tuple(PublicCreditKind.values), "what the record is"),
        choice(
            "severity",
            tuple(PenaltySeverity.values),
            "required for administrative_penalty, empty otherwise",
            required=False,
        ),
        text("authority", 200, "the deciding authority"),
        text("title", 300, "what was decided", required=False, default=""),
        Column("decision_date", parse_date, "date", "when it was decided or listed"),
        Column("end_date", parse_date, "date", "when it ended (delisted, licence expired)", required=False),
        Column("repaired_on", parse_date, "date", "when credit repair (信用修复) took effect", required=False),
        Column("fine_amount", parse_amount, "amount", "fine in yuan, for penalties", required=False),
        _source_column(RecordSource.PUBLIC_CREDIT),
    ),
    row_checks=(
        SEVERITY_ONLY_FOR_PENALTIES,
        date_not_before("end_date", "decision_date"),
        date_not_before("repaired_on", "decision_date"),
        REPAIR_AFTER_MINIMUM_PUBLICATION,
    ),
)

TAX = SourceFormat(
    source=RecordSource.TAX,
    model=TaxRecord,
    description="Tax bureau data (银税互动): one row per firm and tax year.",
    columns=(
        _uscc_column("the firm the record is about; it must be registered, or in the same batch"),
        _record_id_column(),
        Column("tax_year", parse_year, "year", "the tax year the figures cover"),
        choice(
            "rating",
            tuple(TaxCreditRating.values),
            "纳税信用等级 for that year (M: new or small firm); empty when not rated",
            required=False,
            default="",
        ),
        Column("rated_on", parse_date, "date", "when the rating and figures were published"),
        Column("tax_paid", parse_amount, "amount", "tax paid in the year, yuan"),
        Column("declared_revenue", parse_amount, "amount", "revenue declared for the year, yuan"),
        Column(
            "arrears", parse_amount, "amount", "tax owed and overdue at rated_on, yuan", required=False, default="0"
        ),
        _source_column(RecordSource.TAX),
    ),
)

CUSTOMS = SourceFormat(
    source=RecordSource.CUSTOMS,
    model=CustomsRecord,
    description="Customs data (海关): one row per firm and year of trade.",
    columns=(
        _uscc_column("the firm the record is about; it must be registered, or in the same batch"),
        _record_id_column(),
        Column("year", parse_year, "year", "the year the figures cover"),
        Column("reported_on", parse_date, "date", "when customs reported them"),
        choice("credit_class", tuple(CustomsCreditClass.values), "海关信用 class"),
        Column("import_value", parse_amount, "amount", "imports in the year, yuan"),
        Column("export_value", parse_amount, "amount", "exports in the year, yuan"),
        Column("violations", parse_count, "count", "customs violations in the year", required=False, default="0"),
        _source_column(RecordSource.CUSTOMS),
    ),
)

BANK = SourceFormat(
    source=RecordSource.BANK,
    model=BankRecord,
    description="Bank-shared data (银行共享数据): a bank's relationship with the firm as of a date.",
    columns=(
        _uscc_column("the firm the record is about; it must be registered, or in the same batch"),
        _record_id_column(),
        text("reporting_bank", 64, "code of the bank that shares the data"),
        Column("as_of", parse_date, "date", "the date the figures describe"),
        Column("outstanding_balance", parse_amount, "amount", "loans outstanding, yuan"),
        Column("credit_limit", parse_amount, "amount", "credit lines granted, yuan"),
        Column(
            "max_overdue_days",
            parse_count,
            "count",
            "most days overdue in the past 12 months",
            required=False,
            default="0",
        ),
        Column("deposit_turnover", parse_amount, "amount", "money through the firm's accounts in 12 months, yuan"),
        Column(
            "repayments_on_time",
            parse_count,
            "count",
            "repayments made on time in 12 months",
            required=False,
            default="0",
        ),
        Column(
            "repayments_late", parse_count, "count", "repayments made late in 12 months", required=False, default="0"
        ),
        _source_column(RecordSource.BANK),
    ),
)

# A file's header may name the columns in Chinese instead, as the registry, tax, customs and credit-information
# systems export them: one table per source, every column named (a test holds them to the formats).
CHINESE_HEADERS: dict[str, dict[str, str]] = {
    "enterprises": {
        "uscc": "统一社会信用代码",
        "name": "企业名称",
        "kind": "主体类型",
        "region": "登记机关行政区划代码",
        "industry": "行业代码",
        "registered_on": "成立日期",
        "registered_capital": "注册资本",
        "status": "登记状态",
        "legal_representative_name": "法定代表人",
        "legal_representative_id": "法定代表人身份证号码",
        "source": "数据来源",
    },
    "public_credit": {
        "uscc": "统一社会信用代码",
        "record_id": "记录编号",
        "kind": "信息类别",
        "severity": "处罚严重程度",
        "authority": "决定机关",
        "title": "事项名称",
        "decision_date": "决定日期",
        "end_date": "截止日期",
        "repaired_on": "信用修复日期",
        "fine_amount": "罚款金额",
        "source": "数据来源",
    },
    "tax": {
        "uscc": "统一社会信用代码",
        "record_id": "记录编号",
        "tax_year": "纳税年度",
        "rating": "纳税信用等级",
        "rated_on": "评价日期",
        "tax_paid": "实缴税额",
        "declared_revenue": "申报收入",
        "arrears": "欠税金额",
        "source": "数据来源",
    },
    "customs": {
        "uscc": "统一社会信用代码",
        "record_id": "记录编号",
        "year": "年度",
        "reported_on": "报送日期",
        "credit_class": "海关信用等级",
        "import_value": "进口额",
        "export_value": "出口额",
        "violations": "违规次数",
        "source": "数据来源",
    },
    "bank": {
        "uscc": "统一社会信用代码",
        "record_id": "记录编号",
        "reporting_bank": "报送银行代码",
        "as_of": "数据日期",
        "outstanding_balance": "贷款余额",
        "credit_limit": "授信额度",
        "max_overdue_days": "最长逾期天数",
        "deposit_turnover": "账户流水",
        "repayments_on_time": "按时还款次数",
        "repayments_late": "逾期还款次数",
        "source": "数据来源",
    },
}

FORMATS: dict[str, SourceFormat] = {fmt.source.value: fmt for fmt in (ENTERPRISES, PUBLIC_CREDIT, TAX, CUSTOMS, BANK)}
