"""The access log (查询记录): every look at a firm's credit data by a bank officer or an operator. Rows are only
ever added; the applicant sees who looked, at what, when and why."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from creditloan.models.consent import CONSENT_SOURCES

# What a look covered, stored as codes ("application,score,records:bank+tax") and said in the reader's language.
ACCESS_ITEMS = {"application": _("the application"), "score": _("the score and its reasons")}


class AccessPurpose(models.TextChoices):
    OFFER_REVIEW = "offer_review", _("Reviewing an offer routed to the bank")
    DISPUTE = "dispute", _("Answering a dispute")
    KNOCKOUT_REVIEW = "knockout_review", _("Reviewing a knock-out")
    BACK_OFFICE = "back_office", _("Looked up in the back office")
    POST_LOAN = "post_loan", _("Post-loan monitoring: an early warning of the lending bank (贷后预警)")


class AccessLog(models.Model):
    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.PROTECT, related_name="access_log", verbose_name=_("enterprise")
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("viewer")
    )
    # The viewer's bank at the time, kept in case the officer moves on.
    bank = models.ForeignKey(
        "creditloan.Bank", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("bank")
    )
    what = models.CharField(_("what was seen"), max_length=200)
    purpose = models.CharField(_("why"), max_length=16, choices=AccessPurpose.choices)
    reference = models.CharField(_("the offer or dispute it served"), max_length=64)
    viewed_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["enterprise", "viewed_at"], name="access_firm_time")]

    def __str__(self) -> str:
        return f"{self.viewer_id} saw {self.what} of {self.enterprise_id}"

    def what_display(self) -> str:
        source_names = dict(CONSENT_SOURCES)
        said = []
        for item in self.what.split(","):
            name, _sep, sources = item.partition(":")
            if name == "records" and sources:
                names = "、".join(str(source_names.get(source, source)) for source in sources.split("+"))
                said.append(gettext("the records: %(sources)s") % {"sources": names})
            else:
                # Rows written before the codes were introduced hold English words; they are shown as written.
                said.append(str(ACCESS_ITEMS.get(name, item)))
        return gettext("; ").join(said)

    def reference_display(self) -> str:
        match = re.fullmatch(r"(offer|dispute|review|warning) #(\d+)", self.reference)
        if match is None:
            return self.reference
        label = {
            "offer": gettext("offer #%(number)s"),
            "dispute": gettext("dispute #%(number)s"),
            "review": gettext("review #%(number)s"),
            "warning": gettext("early warning #%(number)s"),
        }[match[1]]
        return label % {"number": match[2]}
