"""Bank moves from matching into the core: core's accounts, consent and access log point at it. Only Django's
picture of the models changes; the table keeps its name (matching_bank) and every row, key and constraint."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("creditloan", "0017_identity_and_delegation"),
        ("matching", "0009_offer_bank"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Bank",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=200, unique=True, verbose_name="name")),
                        ("contact_email", models.EmailField(max_length=254, verbose_name="contact e-mail")),
                        ("contact_phone", models.CharField(blank=True, max_length=32, verbose_name="contact phone")),
                        (
                            "response_deadline_days",
                            models.PositiveSmallIntegerField(
                                default=3,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="response deadline (working days)",
                            ),
                        ),
                        ("monthly_capacity", models.PositiveIntegerField(verbose_name="offers it can take a month")),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                    ],
                    options={
                        "verbose_name": "bank",
                        "db_table": "matching_bank",
                        "ordering": ["name"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("response_deadline_days__gte", 1)), name="bank_deadline_positive"
                            )
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="accesslog",
                    name="bank",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="creditloan.bank",
                    ),
                ),
                migrations.AlterField(
                    model_name="authorisation",
                    name="banks",
                    field=models.ManyToManyField(related_name="authorisations", to="creditloan.bank", verbose_name="banks"),
                ),
                migrations.AlterField(
                    model_name="user",
                    name="bank",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="The one bank a credit officer works for; empty for every other role.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="officers",
                        to="creditloan.bank",
                    ),
                ),
            ],
        ),
    ]
