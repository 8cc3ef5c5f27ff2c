import os

from celery import Celery
from django.db.utils import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.local")

app = Celery("creditloan")
# Every Celery setting lives in Django settings with the CELERY_ prefix, so one environment configures both.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# What every task retries: transient faults (a dropped connection, a restarting database), with backoff; anything
# else is a bug or bad data and fails loudly.
RETRY_TRANSIENT = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 8,
}
