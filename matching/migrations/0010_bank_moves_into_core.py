"""Bank now lives in the core (creditloan 0018): matching's keys point at it there, and matching's own picture of
it goes. Nothing in the database changes but the content type's app, so permissions and the admin's history
follow the model."""

import django.db.models.deletion
from django.db import migrations, models


def content_type_follows(old_app: str, new_app: str):
    def move(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        if not content_types.filter(app_label=new_app, model="bank").exists():
            content_types.filter(app_label=old_app, model="bank").update(app_label=new_app)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("creditloan", "0018_bank_moves_into_core"),
        ("matching", "0009_offer_bank"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(
                    content_type_follows("matching", "creditloan"), content_type_follows("creditloan", "matching")
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="loanproduct",
                    name="bank",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="products",
                        to="creditloan.bank",
                        verbose_name="bank",
                    ),
                ),
                migrations.AlterField(
                    model_name="offer",
                    name="bank",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="offers",
                        to="creditloan.bank",
                        verbose_name="bank routed to",
                    ),
                ),
                migrations.AlterField(
                    model_name="bankmonth",
                    name="bank",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="months", to="creditloan.bank"
                    ),
                ),
                migrations.DeleteModel(name="Bank"),
            ],
        ),
    ]
