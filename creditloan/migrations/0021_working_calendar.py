import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("creditloan", "0020_application_withdrawn_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="date")),
                (
                    "working",
                    models.BooleanField(
                        help_text="off: a holiday; on: a make-up working day (调休)", verbose_name="working day"
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note (e.g. the holiday's name)")),
                ("recorded_at", models.DateTimeField(auto_now=True, verbose_name="recorded at")),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "calendar day", "verbose_name_plural": "calendar days", "ordering": ["date"]},
        ),
        migrations.AddField(
            model_name="bank",
            name="decision_deadline_days",
            field=models.PositiveSmallIntegerField(
                default=10,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="time to decide once accepted (working days)",
            ),
        ),
        migrations.AlterField(
            model_name="bank",
            name="response_deadline_days",
            field=models.PositiveSmallIntegerField(
                default=3,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="time to accept (working days)",
            ),
        ),
        migrations.AddConstraint(
            model_name="bank",
            constraint=models.CheckConstraint(
                condition=models.Q(("decision_deadline_days__gte", 1)), name="bank_decision_deadline_positive"
            ),
        ),
    ]
