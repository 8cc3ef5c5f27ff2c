from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("creditloan", "0021_working_calendar")]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="error_code",
            field=models.CharField(blank=True, max_length=32, verbose_name="error code"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="error_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="error details"),
        ),
        migrations.AddField(
            model_name="importfile",
            name="encoding",
            field=models.CharField(
                blank=True, help_text="the text encoding it was read in", max_length=16, verbose_name="text encoding"
            ),
        ),
        migrations.AddField(
            model_name="importrejection",
            name="code",
            field=models.CharField(blank=True, max_length=32, verbose_name="rejection code"),
        ),
        migrations.AddField(
            model_name="importrejection",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="rejection details"),
        ),
    ]
