"""Farmers' professional cooperatives (USCC prefix 93, 农民专业合作社) become their own kind of firm."""

from django.db import migrations, models

OLD_KIND_MATCHES_USCC = models.CheckConstraint(
    condition=models.Q(
        models.Q(("kind", "company"), ("uscc__startswith", "91")),
        models.Q(("kind", "sole_proprietor"), ("uscc__startswith", "92")),
        models.Q(
            ("kind", "other"),
            models.Q(("uscc__startswith", "91"), _negated=True),
            models.Q(("uscc__startswith", "92"), _negated=True),
        ),
        _connector="OR",
    ),
    name="enterprise_kind_matches_uscc",
)

KIND_MATCHES_USCC = models.CheckConstraint(
    condition=models.Q(
        models.Q(("kind", "company"), ("uscc__startswith", "91")),
        models.Q(("kind", "sole_proprietor"), ("uscc__startswith", "92")),
        models.Q(("kind", "cooperative"), ("uscc__startswith", "93")),
        models.Q(
            ("kind", "other"),
            models.Q(("uscc__startswith", "91"), _negated=True),
            models.Q(("uscc__startswith", "92"), _negated=True),
            models.Q(("uscc__startswith", "93"), _negated=True),
        ),
        _connector="OR",
    ),
    name="enterprise_kind_matches_uscc",
)


def cooperatives_forward(apps, schema_editor):
    Enterprise = apps.get_model("creditloan", "Enterprise")
    Enterprise.objects.filter(uscc__startswith="93", kind="other").update(kind="cooperative")


def cooperatives_backward(apps, schema_editor):
    Enterprise = apps.get_model("creditloan", "Enterprise")
    Enterprise.objects.filter(kind="cooperative").update(kind="other")


class Migration(migrations.Migration):
    dependencies = [
        ("creditloan", "0015_outbox"),
    ]

    operations = [
        # The old constraint calls a 93 code "other": it goes before the rows change, the new one after.
        migrations.RemoveConstraint(model_name="enterprise", name="enterprise_kind_matches_uscc"),
        migrations.AlterField(
            model_name="enterprise",
            name="kind",
            field=models.CharField(
                choices=[
                    ("company", "Company"),
                    ("sole_proprietor", "Sole proprietor (个体工商户)"),
                    ("cooperative", "Farmers' cooperative (农民专业合作社)"),
                    ("other", "Other organisation"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(cooperatives_forward, cooperatives_backward),
        migrations.AddConstraint(model_name="enterprise", constraint=KIND_MATCHES_USCC),
    ]
