"""The test suite: fast hashing, e-mail kept in memory, the same database and broker choice as base."""

import os
import re

# Each pytest-xdist worker has a test database of its own (pytest-django names them); it gets a Redis database of its
# own too, the broker's number plus its own, since some tests read what was queued and none expects another's tasks.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_broker = os.environ.get("CELERY_BROKER_URL", "")
if _worker.startswith("gw") and _broker.startswith("redis"):
    _base = re.match(r"(redis://[^/]+)(?:/(\d+))?", _broker)
    os.environ["CELERY_BROKER_URL"] = f"{_base[1]}/{int(_base[2] or 0) + 1 + int(_worker[2:])}"

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="test-only-not-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
DEMO_DATA_ALLOWED = True
SMS_BACKEND = "creditloan.identity.sms.MemoryBackend"
