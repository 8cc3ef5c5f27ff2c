"""The test suite: fast hashing, e-mail kept in memory, the same database and broker choice as base."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="test-only-not-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
DEMO_DATA_ALLOWED = True
SMS_BACKEND = "creditloan.identity.sms.MemoryBackend"
