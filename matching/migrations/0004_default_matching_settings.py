"""Every deployment starts with one version of the matching settings, the defaults of matching.ranking."""

from django.db import migrations
from django.utils import timezone


def add_defaults(apps, schema_editor):
    MatchingSettings = apps.get_model("matching", "MatchingSettings")
    if not MatchingSettings.objects.exists():
        MatchingSettings.objects.create(number=1, note="defaults", created_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("matching", "0003_rankings")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
