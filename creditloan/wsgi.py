import os
from importlib import import_module

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.production")

from django.conf import settings  # noqa: E402

from creditloan.chunked import ChunkedBodies  # noqa: E402 (needs the settings module named first)

application = ChunkedBodies(get_wsgi_application())

# The URLconf imports every view, and with them pandas, scikit-learn and LightGBM: about 1.5 s of CPU. Done here, a
# worker pays it as it starts, before it takes a request; left to Django, the worker's first request waited for it,
# with every request its other threads had taken.
import_module(settings.ROOT_URLCONF)
