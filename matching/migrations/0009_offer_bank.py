"""Each offer keeps the bank it was routed to (its product's bank), indexed for the bank's queue; on
PostgreSQL a foreign key on (product, bank) holds the two together."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

PRODUCT_BANK_KEY = "offer_bank_is_product_bank"


def fill_banks(apps, schema_editor):
    Offer = apps.get_model("matching", "Offer")
    LoanProduct = apps.get_model("matching", "LoanProduct")
    Offer.objects.update(bank_id=Subquery(LoanProduct.objects.filter(pk=OuterRef("product_id")).values("bank_id")))


def add_product_bank_key(apps, schema_editor):
    # Django declares no foreign key over two columns; SQLite, the newcomer's database, goes without it.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE matching_offer ADD CONSTRAINT {PRODUCT_BANK_KEY} FOREIGN KEY (product_id, bank_id) "
            "REFERENCES matching_loanproduct (id, bank_id) DEFERRABLE INITIALLY DEFERRED"
        )


def drop_product_bank_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE matching_offer DROP CONSTRAINT IF EXISTS {PRODUCT_BANK_KEY}")


class Migration(migrations.Migration):
    dependencies = [
        ("creditloan", "0009_source_keys"),
        ("matching", "0008_labels_in_chinese"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="bank",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offers",
                to="matching.bank",
                verbose_name="bank routed to",
            ),
        ),
        migrations.RunPython(fill_banks, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="offer",
            name="bank",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offers",
                to="matching.bank",
                verbose_name="bank routed to",
            ),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(fields=["bank", "status"], name="offer_bank_status"),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                condition=models.Q(("status__in", ["offered", "accepted"])),
                fields=["bank", "deadline", "id"],
                name="offer_bank_open_by_deadline",
            ),
        ),
        migrations.AddConstraint(
            model_name="loanproduct",
            constraint=models.UniqueConstraint(fields=("id", "bank"), name="product_id_with_bank"),
        ),
        migrations.RunPython(add_product_bank_key, drop_product_bank_key),
    ]
