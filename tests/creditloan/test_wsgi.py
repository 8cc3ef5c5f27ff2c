"""creditloan/wsgi.py, as gunicorn loads it in each web worker."""

import os
import subprocess
import sys

from django.conf import settings


def test_a_web_worker_has_imported_every_view_before_its_first_request():
    # In a process of its own: this one imported the views long ago.
    program = (
        "import sys; import creditloan.wsgi; "
        "print(all(name in sys.modules for name in ('creditloan.urls', 'creditloan.api.applicant', 'lightgbm')))"
    )
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, env=environment)

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "True"
