"""Production: every secret from the environment, no defaults for what must be chosen deliberately."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env, trusted_proxies

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production runs gunicorn on loopback behind the node's own nginx (deploy/nginx/): only it may say who the client
# is. A load balancer in front of nginx is added by its address.
TRUSTED_PROXIES = trusted_proxies(default=["127.0.0.1", "::1"])
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEMO_DATA_ALLOWED = False
# The SMS gateway's backend (creditloan.identity.sms): chosen deliberately, never the developer's file.
SMS_BACKEND = env.str("DJANGO_SMS_BACKEND")
# Static files (the API docs' Swagger UI and ReDoc among them) from the application itself, with no web server of
# their own to keep in step: collectstatic, at each deploy, names every file by its content's hash, and whitenoise
# serves them compressed and lets browsers keep a hashed name for a year. (runserver serves them in development.)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
