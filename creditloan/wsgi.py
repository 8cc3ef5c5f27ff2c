import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.production")

from creditloan.chunked import ChunkedBodies  # noqa: E402 (needs the settings module named first)

application = ChunkedBodies(get_wsgi_application())
