import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.local")

app = Celery("creditloan")
# Every Celery setting lives in Django settings with the CELERY_ prefix, so one environment configures both.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
