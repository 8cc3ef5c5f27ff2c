import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("matching", "0014_loan_repayment_reports")]

    operations = [
        migrations.CreateModel(
            name="EarlyWarning",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("dishonest_judgment_debtor", "Dishonest judgment debtor (失信被执行人)"),
                            ("serious_dishonesty_list", "Serious-dishonesty list (严重失信主体名单)"),
                            ("serious_penalty", "Serious administrative penalty (严重行政处罚)"),
                            ("tax_rating_d", "Tax credit rating D (纳税信用D级)"),
                            ("abnormal_operation_list", "Abnormal-operation list (经营异常名录)"),
                        ],
                        max_length=32,
                        verbose_name="kind",
                    ),
                ),
                (
                    "record_source",
                    models.CharField(
                        choices=[("public_credit", "Public credit"), ("tax", "Tax")],
                        max_length=16,
                        verbose_name="record source",
                    ),
                ),
                ("record_id", models.BigIntegerField(verbose_name="record")),
                ("record_date", models.DateField(verbose_name="record date")),
                ("summary", models.CharField(blank=True, max_length=300, verbose_name="the record in brief")),
                ("raised_at", models.DateTimeField(verbose_name="raised at")),
                ("seen_at", models.DateTimeField(blank=True, null=True, verbose_name="first opened at")),
                (
                    "bank",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="early_warnings",
                        to="creditloan.bank",
                        verbose_name="bank",
                    ),
                ),
                (
                    "enterprise",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="creditloan.enterprise",
                        verbose_name="firm",
                    ),
                ),
                (
                    "loan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="warnings",
                        to="matching.loan",
                        verbose_name="loan",
                    ),
                ),
                (
                    "seen_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="first opened by",
                    ),
                ),
            ],
            options={
                "verbose_name": "early warning",
                "verbose_name_plural": "early warnings",
                "indexes": [
                    models.Index(fields=["bank", "raised_at"], name="earlywarning_bank_time"),
                    models.Index(
                        condition=models.Q(("seen_at__isnull", True)), fields=["bank"], name="earlywarning_bank_unseen"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("loan", "record_source", "record_id"), name="earlywarning_one_per_loan_and_record"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("seen_at__isnull", True), ("seen_by__isnull", True)),
                            models.Q(
                                ("seen_at__gte", models.F("raised_at")),
                                ("seen_at__isnull", False),
                                ("seen_by__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="earlywarning_seen_by_someone_after_raised",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("record_source", "public_credit"), models.Q(("kind", "tax_rating_d"), _negated=True)
                            ),
                            models.Q(("kind", "tax_rating_d"), ("record_source", "tax")),
                            _connector="OR",
                        ),
                        name="earlywarning_kind_from_its_source",
                    ),
                ],
            },
        ),
    ]
