from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditloan.identifiers import mask_phone


class Role(models.TextChoices):
    """Each account has exactly one role; permission checks read it directly instead of inferring from groups."""

    APPLICANT = "applicant", _("Applicant")
    BANK_OFFICER = "bank_officer", _("Bank credit officer")
    OPERATOR = "operator", _("Platform operator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    bank = models.ForeignKey(
        "creditloan.Bank",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
        help_text=_("The one bank a credit officer works for; empty for every other role."),
        verbose_name=_("bank"),
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    phone_confirmed_at = models.DateTimeField(_("mobile confirmed at"), null=True, blank=True)
    # 实名认证: the name and resident ID a person stated, kept as what matching needs (a keyed digest of the
    # number, compared and never shown) and what pages show (the name and the masked number).
    real_name = models.CharField(_("real name"), max_length=100, blank=True)
    resident_id_digest = models.CharField(_("resident ID (keyed digest)"), max_length=64, blank=True, editable=False)
    resident_id_masked = models.CharField(_("resident ID"), max_length=18, blank=True, editable=False)
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        constraints = [
            # A bank officer without a bank could see nothing, and anyone else with one might see too much.
            models.CheckConstraint(
                condition=Q(role=Role.BANK_OFFICER, bank__isnull=False)
                | (~Q(role=Role.BANK_OFFICER) & Q(bank__isnull=True)),
                name="user_bank_iff_bank_officer",
            ),
            # One account per confirmed mobile number: it is how a person recovers the account.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone_confirmed_at__isnull=False), name="user_confirmed_phone_unique"
            ),
            models.CheckConstraint(
                condition=Q(phone_confirmed_at__isnull=True) | ~Q(phone=""), name="user_confirmed_phone_given"
            ),
            # One verified account per person: otherwise a second account could claim the same firms.
            models.UniqueConstraint(
                fields=["resident_id_digest"], condition=~Q(resident_id_digest=""), name="user_one_account_a_person"
            ),
            models.CheckConstraint(
                condition=Q(identity_verified_at__isnull=True, resident_id_digest="")
                | (Q(identity_verified_at__isnull=False) & ~Q(resident_id_digest="") & ~Q(real_name="")),
                name="user_identity_whole",
            ),
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

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def phone_confirmed(self) -> bool:
        return self.phone_confirmed_at is not None

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None


class MembershipRelation(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative (法定代表人)")
    AUTHORISED_AGENT = "authorised_agent", _("Agent (经办人)")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the legal representative")
    ACTIVE = "active", _("In force")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")


class EnterpriseMembership(models.Model):
    """A person acting for a firm, and in what capacity. A legal representative's is in force once their verified
    identity matched the registry's; an agent's once the legal representative approved it, for what they chose
    and until when they chose. Nothing of the firm is shown or done through a membership not in force."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("enterprise")
    )
    relation = models.CharField(_("relation"), max_length=24, choices=MembershipRelation.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    may_apply = models.BooleanField(_("may apply for loans"), default=False)
    may_consent = models.BooleanField(_("may grant and revoke authorisations"), default=False)
    may_view_report = models.BooleanField(_("may see the credit report and records"), default=False)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decided by")
    )

    class Meta:
        verbose_name = _("enterprise membership")
        verbose_name_plural = _("enterprise memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique"),
            # The registry names one legal representative, and one account per person can match it.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(relation=MembershipRelation.LEGAL_REPRESENTATIVE, status=MembershipStatus.ACTIVE),
                name="membership_one_legal_representative",
            ),
            # A legal representative may do everything, for as long as the registry names them.
            models.CheckConstraint(
                condition=~Q(relation=MembershipRelation.LEGAL_REPRESENTATIVE, status=MembershipStatus.ACTIVE)
                | Q(may_apply=True, may_consent=True, may_view_report=True, valid_until__isnull=True),
                name="membership_legal_representative_may_all",
            ),
            # An agent in force was given something to do, until a day.
            models.CheckConstraint(
                condition=~Q(relation=MembershipRelation.AUTHORISED_AGENT, status=MembershipStatus.ACTIVE)
                | (
                    Q(valid_until__isnull=False, decided_at__isnull=False)
                    & (Q(may_apply=True) | Q(may_consent=True) | Q(may_view_report=True))
                ),
                name="membership_agent_scoped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise} ({self.get_relation_display()}, {self.get_status_display()})"

    @property
    def is_legal_representative(self) -> bool:
        return self.relation == MembershipRelation.LEGAL_REPRESENTATIVE
