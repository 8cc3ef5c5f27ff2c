from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from creditloan.fields import ResidentIdField
from creditloan.identifiers import InvalidIdentifier, validate_uscc
from creditloan.models.records import Sourced
from creditloan.reference.industries import DIVISIONS, UnknownIndustryCode, normalise_industry_code
from creditloan.reference.regions import REGIONS, UnknownRegionCode, normalise_region_code


class EnterpriseKind(models.TextChoices):
    COMPANY = "company", _("Company")
    SOLE_PROPRIETOR = "sole_proprietor", _("Sole proprietor (个体工商户)")
    COOPERATIVE = "cooperative", _("Farmers' cooperative (农民专业合作社)")
    OTHER = "other", _("Other organisation")

    @classmethod
    def from_uscc(cls, uscc: str) -> EnterpriseKind:
        """GB 32100 positions 1-2 say what was registered: 91 an enterprise, 92 a sole proprietor, 93 a
        farmers' professional cooperative."""
        return cls(KIND_BY_USCC_PREFIX.get(uscc[:2], cls.OTHER))


# The kinds a code's first two characters name (authority 9, 工商/市场监管, and its three entity types);
# every other prefix registers an "other" organisation.
KIND_BY_USCC_PREFIX = {
    "91": EnterpriseKind.COMPANY.value,
    "92": EnterpriseKind.SOLE_PROPRIETOR.value,
    "93": EnterpriseKind.COOPERATIVE.value,
}

# What the registry calls the person who answers for a firm, and the money it registers, by kind: a sole
# proprietor's licence names an operator (经营者) and a capital amount (资金数额), not a legal representative and
# registered capital; a cooperative's names its members' total contributions (成员出资总额); other
# organisations (社会团体, 事业单位, ...) have a person in charge (负责人) and registered funds (注册资金).
REPRESENTATIVE_TITLES: dict[str, Promise] = {
    EnterpriseKind.COMPANY: pgettext_lazy("the person who answers for a firm", "legal representative"),
    EnterpriseKind.SOLE_PROPRIETOR: pgettext_lazy("the person who answers for a firm", "operator"),
    EnterpriseKind.COOPERATIVE: pgettext_lazy("the person who answers for a firm", "legal representative"),
    EnterpriseKind.OTHER: pgettext_lazy("the person who answers for a firm", "person in charge"),
}
CAPITAL_TITLES: dict[str, Promise] = {
    EnterpriseKind.COMPANY: pgettext_lazy("the money a firm registers", "registered capital"),
    EnterpriseKind.SOLE_PROPRIETOR: pgettext_lazy("the money a firm registers", "capital amount"),
    EnterpriseKind.COOPERATIVE: pgettext_lazy("the money a firm registers", "members' total contributions"),
    EnterpriseKind.OTHER: pgettext_lazy("the money a firm registers", "registered funds"),
}


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", _("Active (存续)")
    SUSPENDED = "suspended", _("Suspended (停业)")
    REVOKED = "revoked", _("Licence revoked (吊销)")
    DEREGISTERED = "deregistered", _("Deregistered (注销)")
    MOVED_OUT = "moved_out", _("Moved out (迁出)")


class Enterprise(Sourced):
    """A firm as the enterprise registry describes it, keyed by its 统一社会信用代码."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=EnterpriseKind.choices)
    region = models.CharField(_("region (GB/T 2260)"), max_length=6)
    industry = models.CharField(_("industry (GB/T 4754)"), max_length=4)
    registered_on = models.DateField(_("registration date"))
    registered_capital = models.DecimalField(
        _("registered capital (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=EnterpriseStatus.choices)
    legal_representative_name = models.CharField(_("legal representative"), max_length=100)
    legal_representative_id = ResidentIdField(_("legal representative's resident ID"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(condition=Q(uscc__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"), name="enterprise_uscc_form"),
            # The kind is what the code says was registered; a mismatch means one of them is wrong.
            models.CheckConstraint(
                condition=(
                    Q(kind=EnterpriseKind.COMPANY, uscc__startswith="91")
                    | Q(kind=EnterpriseKind.SOLE_PROPRIETOR, uscc__startswith="92")
                    | Q(kind=EnterpriseKind.COOPERATIVE, uscc__startswith="93")
                    | (
                        Q(kind=EnterpriseKind.OTHER)
                        & ~Q(uscc__startswith="91")
                        & ~Q(uscc__startswith="92")
                        & ~Q(uscc__startswith="93")
                    )
                ),
                name="enterprise_kind_matches_uscc",
            ),
            models.CheckConstraint(
                condition=Q(registered_capital__isnull=True) | Q(registered_capital__gte=0),
                name="enterprise_capital_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["region"]), models.Index(fields=["industry"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.uscc = validate_uscc(self.uscc)
        except InvalidIdentifier as error:
            errors["uscc"] = error.message
        else:
            if self.kind and self.kind != EnterpriseKind.from_uscc(self.uscc):
                errors["kind"] = _("the code %(uscc)s registers a %(kind)s") % {
                    "uscc": self.uscc,
                    "kind": EnterpriseKind.from_uscc(self.uscc).label,
                }
        try:
            self.region = normalise_region_code(self.region)
        except UnknownRegionCode as error:
            errors["region"] = str(error)
        try:
            self.industry = normalise_industry_code(self.industry)
        except UnknownIndustryCode as error:
            errors["industry"] = str(error)
        if errors:
            raise ValidationError(errors)

    @property
    def representative_title(self) -> Promise:
        """What the registry calls `legal_representative_name` for this kind: 法定代表人, 经营者 or 负责人."""
        return REPRESENTATIVE_TITLES.get(self.kind, REPRESENTATIVE_TITLES[EnterpriseKind.OTHER])

    @property
    def capital_title(self) -> Promise:
        """What the registry calls `registered_capital` for this kind: 注册资本, 资金数额, 成员出资总额 or 注册资金."""
        return CAPITAL_TITLES.get(self.kind, CAPITAL_TITLES[EnterpriseKind.OTHER])

    @property
    def region_name(self) -> str:
        return REGIONS.get(self.region, self.region)

    @property
    def industry_name(self) -> str:
        division = DIVISIONS.get(self.industry[:2])
        return division.name_zh if division else self.industry
