from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Each account has exactly one role; permission checks read it directly instead of inferring from groups."""

    APPLICANT = "applicant", _("Applicant")
    BANK_OFFICER = "bank_officer", _("Bank credit officer")
    OPERATOR = "operator", _("Platform operator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    bank = models.ForeignKey(
        "matching.Bank",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
        help_text=_("The one bank a credit officer works for; empty for every other role."),
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):
        constraints = [
            # A bank officer without a bank could see nothing, and anyone else with one might see too much.
            models.CheckConstraint(
                condition=Q(role=Role.BANK_OFFICER, bank__isnull=False)
                | (~Q(role=Role.BANK_OFFICER) & Q(bank__isnull=True)),
                name="user_bank_iff_bank_officer",
            )
        ]

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_bank_officer(self) -> bool:
        return self.role == Role.BANK_OFFICER

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR


class MembershipRelation(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative (法定代表人)")
    AUTHORISED_AGENT = "authorised_agent", _("Authorised agent (授权代理人)")


class EnterpriseMembership(models.Model):
    """An applicant acting for an enterprise, and in what capacity."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    enterprise = models.ForeignKey("creditloan.Enterprise", on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("relation"), max_length=24, choices=MembershipRelation.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise membership")
        constraints = [models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise} ({self.get_relation_display()})"
