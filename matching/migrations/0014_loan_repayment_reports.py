import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REPORTED_STATUSES = [
    ("current", "Current (正常)"),
    ("past_due", "Past due (逾期)"),
    ("repaid", "Repaid in full (结清)"),
    ("defaulted", "Defaulted (违约)"),
    ("written_off", "Written off (核销)"),
]


class Migration(migrations.Migration):
    dependencies = [("matching", "0013_decision_deadlines_and_escalation")]

    # Every new column has a default or is nullable, so the loans already recorded stay valid as they are: no
    # report yet, their outcome (from the demo or the back office) kept, and not counted as new to the champion.
    operations = [
        migrations.AddField(
            model_name="loan",
            name="outcome_known_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="outcome known at"),
        ),
        migrations.AddField(
            model_name="loan",
            name="reported_as_of",
            field=models.DateField(blank=True, null=True, verbose_name="latest report as of"),
        ),
        migrations.AddField(
            model_name="loan",
            name="reported_days_past_due",
            field=models.PositiveIntegerField(default=0, verbose_name="days past due, as last reported"),
        ),
        migrations.AddField(
            model_name="loan",
            name="reported_status",
            field=models.CharField(
                blank=True, choices=REPORTED_STATUSES, max_length=12, verbose_name="latest reported status"
            ),
        ),
        migrations.AlterField(
            model_name="loan",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("performing", "Performing"),
                    ("repaid", "Repaid"),
                    ("defaulted", "Defaulted (90+ days past due, or reported defaulted or written off)"),
                ],
                default="performing",
                max_length=12,
            ),
        ),
        migrations.CreateModel(
            name="LoanStatusReport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("as_of", models.DateField(verbose_name="as of")),
                ("status", models.CharField(choices=REPORTED_STATUSES, max_length=12, verbose_name="status")),
                ("days_past_due", models.PositiveIntegerField(default=0, verbose_name="days past due")),
                (
                    "channel",
                    models.CharField(
                        choices=[("page", "Officer's page"), ("api", "API"), ("import", "Bank-shared import")],
                        max_length=8,
                        verbose_name="reported through",
                    ),
                ),
                ("reported_at", models.DateTimeField(verbose_name="reported at")),
                (
                    "loan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="status_reports",
                        to="matching.loan",
                    ),
                ),
                (
                    "reported_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reported by",
                    ),
                ),
            ],
            options={
                "verbose_name": "loan status report",
                "verbose_name_plural": "loan status reports",
                "ordering": ["loan", "as_of"],
                "constraints": [
                    models.UniqueConstraint(fields=("loan", "as_of"), name="loanstatusreport_one_a_day"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("days_past_due__gte", 1), ("status", "past_due")),
                            models.Q(("days_past_due", 0), ("status__in", ["current", "repaid"])),
                            ("status__in", ["defaulted", "written_off"]),
                            _connector="OR",
                        ),
                        name="loanstatusreport_days_fit_status",
                    ),
                ],
            },
        ),
    ]
