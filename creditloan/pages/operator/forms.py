"""The operator's forms: answers to disputes and reviews, the ranking's weights, a product and a bank. The shape
of the input; the services check ranges and states."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from creditloan.formfields import (
    AmountField,
    DateField,
    DecimalNumberField,
    PercentRateField,
    WeightField,
    WholeNumberField,
)
from creditloan.forms import RequestTextField, RowIdField
from creditloan.models import Bank, CustomsCreditClass, EnterpriseKind, RecordSource
from creditloan.services import TERM_MAX, TERM_MIN
from creditloan.values import CAPACITY_LARGEST, DEADLINE_DAYS_LARGEST, FIRM_AGE_LARGEST, LOAN_AMOUNT_LARGEST
from matching.models import LoanProduct, PolicyTag, RepaymentMethod
from matching.services import TOP_K_MAX

# The columns' own limits: years since registration hold 4 digits with 1 decimal, a deadline a small integer,
# a capacity an integer.


class ImportUploadForm(forms.Form):
    """A source file to import: its source, the file, and its encoding when it is not to be detected."""

    source = forms.ChoiceField(label=_("Source"), choices=RecordSource.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, JSON Lines or an Excel workbook (.xlsx); column names in English or Chinese"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding"),
        required=False,
        choices=[
            ("", _("Detect (UTF-8, else GBK/GB18030)")),
            ("utf-8", "UTF-8"),
            ("gb18030", "GBK / GB18030"),
        ],
        help_text=_("For CSV and JSON Lines; a workbook has none"),
    )


class AnswerForm(forms.Form):
    """An operator's answer to a firm's request: the outcome (the service knows which it allows) and what was
    found."""

    outcome = RequestTextField(label=_("Outcome"))
    resolution = RequestTextField(label=_("The answer"))


class DisputeAnswerForm(AnswerForm):
    dispute = RowIdField(required=False)


class ReviewAnswerForm(AnswerForm):
    review = RowIdField(required=False)


class WeightsForm(forms.Form):
    approval = WeightField(label=_("Chance the bank approves"))
    price = WeightField(label=_("Price to the applicant"))
    fit = WeightField(label=_("Fit of amount and term"))
    response = WeightField(label=_("The bank's response record"))
    top_k = WholeNumberField(label=_("Products offered at once"), minimum=1, maximum=TOP_K_MAX)
    note = forms.CharField(label=_("Why this version"), max_length=300, required=False)
    since = DateField(label=_("Preview on applications since"), required=False)


class PrimeRateForm(forms.Form):
    effective_on = DateField(label=_("In force from"))
    one_year = PercentRateField(label=_("1-year LPR (%)"))
    five_year = PercentRateField(label=_("5-year-and-over LPR (%)"))


class CodeListField(forms.CharField):
    """Codes separated by commas, spaces or 、 (44, 4403, 440305), kept as a list."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [code for code in re.split(r"[\s,，、;]+", text.strip()) if code]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _product(name: str, field_class, **options):
    """A product's number, read as the API reads it (values.py), labelled as the model names it."""
    return field_class(label=_label(LoanProduct, name), required=not LoanProduct._meta.get_field(name).blank, **options)


class ProductForm(forms.ModelForm):
    """A product's terms and rules; the model's own clean() checks them (ranges, codes that exist)."""

    amount_min = _product("amount_min", AmountField, minimum=Decimal("0.01"), maximum=LOAN_AMOUNT_LARGEST)
    amount_max = _product("amount_max", AmountField, minimum=Decimal("0.01"), maximum=LOAN_AMOUNT_LARGEST)
    term_min_months = _product("term_min_months", WholeNumberField, minimum=TERM_MIN, maximum=TERM_MAX)
    term_max_months = _product("term_max_months", WholeNumberField, minimum=TERM_MIN, maximum=TERM_MAX)
    rate_min = PercentRateField(label=_("Lowest annual rate (%)"))
    rate_max = PercentRateField(label=_("Highest annual rate (%)"))
    min_firm_age_years = _product(
        "min_firm_age_years", DecimalNumberField, places=1, minimum=0, maximum=FIRM_AGE_LARGEST
    )
    max_probability_of_default = _product(
        "max_probability_of_default", DecimalNumberField, places=4, minimum=0, maximum=1
    )
    min_annual_tax_paid = _product("min_annual_tax_paid", AmountField)
    min_annual_revenue = _product("min_annual_revenue", AmountField)
    accept_deadline_days = _product("accept_deadline_days", WholeNumberField, minimum=1, maximum=DEADLINE_DAYS_LARGEST)
    decision_deadline_days = _product(
        "decision_deadline_days", WholeNumberField, minimum=1, maximum=DEADLINE_DAYS_LARGEST
    )

    regions = CodeListField(label=_("Regions (GB/T 2260 prefixes)"), required=False, help_text=_("e.g. 44, 4403"))
    industries_included = CodeListField(
        label=_("Industries included (GB/T 4754)"), required=False, help_text=_("sections (C) or divisions (39)")
    )
    industries_excluded = CodeListField(label=_("Industries excluded (GB/T 4754)"), required=False)
    repayment_methods = forms.MultipleChoiceField(
        label=_("Repayment methods"), choices=RepaymentMethod.choices, widget=forms.CheckboxSelectMultiple
    )
    enterprise_kinds = forms.MultipleChoiceField(
        label=_("Kinds of firm (none: all)"),
        choices=EnterpriseKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    customs_classes = forms.MultipleChoiceField(
        label=_("Customs classes accepted (none: all)"),
        choices=CustomsCreditClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    policy_tags = forms.MultipleChoiceField(
        label=_("Policy tags"), choices=PolicyTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = LoanProduct
        fields = [
            "bank",
            "code",
            "name",
            "active",
            "guarantee_mode",
            "repayment_methods",
            "amount_min",
            "amount_max",
            "term_min_months",
            "term_max_months",
            "rate_min",
            "rate_max",
            "regions",
            "industries_included",
            "industries_excluded",
            "enterprise_kinds",
            "min_firm_age_years",
            "min_tax_rating",
            "customs_classes",
            "max_risk_grade",
            "max_probability_of_default",
            "min_annual_tax_paid",
            "min_annual_revenue",
            "policy_tags",
            "accept_deadline_days",
            "decision_deadline_days",
        ]


class BankForm(forms.ModelForm):
    response_deadline_days = WholeNumberField(
        label=_label(Bank, "response_deadline_days"), minimum=1, maximum=DEADLINE_DAYS_LARGEST
    )
    decision_deadline_days = WholeNumberField(
        label=_label(Bank, "decision_deadline_days"), minimum=1, maximum=DEADLINE_DAYS_LARGEST
    )
    monthly_capacity = WholeNumberField(label=_label(Bank, "monthly_capacity"), minimum=0, maximum=CAPACITY_LARGEST)

    class Meta:
        model = Bank
        fields = Bank.OPERATOR_FIELDS
