"""Each stage of an offer keeps its own time: 接单 (accepted_at/accepted_by, the first since 0011), the decision
(decided_at/decided_by, approve or decline only) and the payout (disbursed_at).

Until now each accept, decline and approve overwrote decided_at and decided_by (and before the payout stopped
restamping them, so did each payout). What history allows is filled in:

- An offer still under review (accepted), or closed after it was taken up, was last stamped by its 接单: its
  decided_at and decided_by are its accept's, and move there; it has no decision yet.
- A paid-out offer's payout is its loan's day (Loan.disbursed_on): the day's start in the platform's time zone,
  never before the decision, as the applicant's timeline has always placed it.

What cannot be recovered, and stays empty or as it is:
- when and by whom an offer approved or declined before 0011 had been taken up (its accept stamp was
  overwritten): accepted_at stays empty; accepted_by stays empty on every decided offer, 0011's included,
  since the decision overwrote who accepted;
- for offers paid out before payouts stopped restamping, decided_at is the payout's moment, not the approval's:
  the two cannot be told apart, so decided_at is kept as it is;
- the time of day of any payout before this change: only its day was kept.
"""

import datetime as dt
import zoneinfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Coalesce

BATCH = 1000


def stages_from_history(apps, schema_editor):
    Offer = apps.get_model("matching", "Offer")
    Loan = apps.get_model("matching", "Loan")
    taken_up_only = Offer.objects.filter(
        models.Q(status="accepted") | models.Q(status="closed", decided_at__isnull=False)
    )
    taken_up_only.update(
        accepted_at=Coalesce("accepted_at", "decided_at"),
        accepted_by=models.F("decided_by"),
        decided_at=None,
        decided_by=None,
    )
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    paid = []
    loans = Loan.objects.filter(offer__disbursed_at__isnull=True).select_related("offer").order_by("pk")
    for loan in loans.iterator(chunk_size=BATCH):
        offer = loan.offer
        day_start = dt.datetime.combine(loan.disbursed_on, dt.time.min, tzinfo=zone)
        offer.disbursed_at = max(day_start, offer.decided_at) if offer.decided_at else day_start
        paid.append(offer)
        if len(paid) == BATCH:
            Offer.objects.bulk_update(paid, ["disbursed_at"])
            paid = []
    Offer.objects.bulk_update(paid, ["disbursed_at"])


def stages_back_into_one_stamp(apps, schema_editor):
    """As before: the last answer's time and officer in decided_at and decided_by."""
    Offer = apps.get_model("matching", "Offer")
    Offer.objects.filter(decided_at__isnull=True, accepted_at__isnull=False).update(
        decided_at=models.F("accepted_at"), decided_by=models.F("accepted_by")
    )


class Migration(migrations.Migration):
    # Going back, the data step updates offers (whose foreign keys are deferred constraints on PostgreSQL) before
    # the columns are dropped, and PostgreSQL refuses an ALTER TABLE with those checks pending in the same
    # transaction: each step commits on its own, the data step in a transaction of its own.
    atomic = False
    dependencies = [("matching", "0011_offer_accepted_at_and_repayment_method")]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="accepted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offers_accepted",
                to=settings.AUTH_USER_MODEL,
                verbose_name="accepted by",
            ),
        ),
        migrations.AddField(
            model_name="offer",
            name="disbursed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="paid out at"),
        ),
        migrations.RunPython(stages_from_history, stages_back_into_one_stamp, atomic=True),
    ]
