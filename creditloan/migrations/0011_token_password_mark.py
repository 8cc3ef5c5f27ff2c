"""Each API token remembers its account's session hash when issued, so a new password ends it; the tokens
already out get the hash of the password they were issued under (the password has not changed since, as far
as anything recorded can tell)."""

from django.db import migrations, models
from django.utils.crypto import salted_hmac

# As django.contrib.auth's AbstractBaseUser.get_session_auth_hash computes it.
SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


def mark_tokens(apps, schema_editor):
    ApiToken = apps.get_model("creditloan", "ApiToken")
    for token in ApiToken.objects.select_related("user").iterator():
        token.password_mark = salted_hmac(SESSION_HASH_SALT, token.user.password, algorithm="sha256").hexdigest()
        token.save(update_fields=["password_mark"])


class Migration(migrations.Migration):
    dependencies = [("creditloan", "0010_authorisation_carried_over")]

    operations = [
        migrations.AddField(
            model_name="apitoken", name="password_mark", field=models.CharField(default="", max_length=64)
        ),
        migrations.RunPython(mark_tokens, migrations.RunPython.noop),
    ]
