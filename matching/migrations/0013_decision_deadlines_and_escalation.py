import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from creditloan.calendar import working_days_after


def deadlines_for_offers_already_accepted(apps, schema_editor):
    """Offers a bank took up before banks were held to a decision get the deadline they would have had, counted
    from when they were taken up (or, where that was not kept, from now): otherwise they would never be escalated.
    The calendar is the core's (its table exists from creditloan 0021 on)."""
    Offer = apps.get_model("matching", "Offer")
    now = timezone.now()
    waiting = Offer.objects.filter(status="accepted", decision_deadline__isnull=True).select_related("product__bank")
    for offer in waiting.iterator():
        days = offer.product.decision_deadline_days or offer.product.bank.decision_deadline_days
        offer.decision_deadline = working_days_after(offer.accepted_at or now, days)
        offer.save(update_fields=["decision_deadline"])


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0012_offer_stage_times"),
        ("creditloan", "0021_working_calendar"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="loanproduct",
            name="accept_deadline_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="time to accept (working days; blank: the bank's)",
            ),
        ),
        migrations.AddField(
            model_name="loanproduct",
            name="decision_deadline_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="time to decide once accepted (working days; blank: the bank's)",
            ),
        ),
        migrations.AddConstraint(
            model_name="loanproduct",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("accept_deadline_days__isnull", True), ("accept_deadline_days__gte", 1), _connector="OR"),
                    models.Q(
                        ("decision_deadline_days__isnull", True), ("decision_deadline_days__gte", 1), _connector="OR"
                    ),
                ),
                name="product_deadlines_positive",
            ),
        ),
        migrations.AddField(
            model_name="offer",
            name="decision_deadline",
            field=models.DateTimeField(blank=True, null=True, verbose_name="decide by"),
        ),
        migrations.CreateModel(
            name="Escalation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("opened_at", models.DateTimeField(verbose_name="opened at")),
                ("resolved_at", models.DateTimeField(blank=True, null=True, verbose_name="resolved at")),
                (
                    "resolution",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("decided_late", "The bank decided, late"),
                            ("rerouted", "Re-routed by the operator to the next product"),
                            ("closed", "Closed: another bank granted, the applicant withdrew or revoked consent"),
                        ],
                        max_length=16,
                        verbose_name="resolution",
                    ),
                ),
                (
                    "offer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="escalation",
                        to="matching.offer",
                        verbose_name="offer",
                    ),
                ),
                (
                    "resolved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "escalation (督办)", "verbose_name_plural": "escalations (督办)"},
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(fields=["resolved_at", "opened_at"], name="escalation_open_by_age"),
        ),
        migrations.AddConstraint(
            model_name="escalation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("resolution", ""), ("resolved_at__isnull", True)),
                    models.Q(
                        ("resolution__in", ["decided_late", "rerouted", "closed"]), ("resolved_at__isnull", False)
                    ),
                    _connector="OR",
                ),
                name="escalation_resolved_with_resolution",
            ),
        ),
        migrations.CreateModel(
            name="EscalationUrge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("urged_at", models.DateTimeField(verbose_name="urged at")),
                (
                    "escalation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="urges", to="matching.escalation"
                    ),
                ),
                (
                    "urged_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "urging of a bank",
                "verbose_name_plural": "urgings of banks",
                "ordering": ["-urged_at"],
            },
        ),
        migrations.RunPython(deadlines_for_offers_already_accepted, migrations.RunPython.noop),
    ]
