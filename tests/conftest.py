import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres run only where the database is PostgreSQL (CI, or DATABASE_URL set)."""
    from django.conf import settings

    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def language_of_the_settings_after_each_test():
    """A request in Chinese leaves its language active on the thread (LocaleMiddleware activates, nothing
    deactivates): without this, a service's message in the next test would read in Chinese."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def api_tokens_forgotten_after_each_test():
    """A test's rollback undoes the tokens it made but not what the process remembers of them, nor their versions
    in Redis: a later test reusing a token's text would meet the earlier test's account."""
    from creditloan.api.base import remembered_tokens_forget

    yield
    remembered_tokens_forget()


@pytest.fixture
def tasks_run_in_process(settings):
    """Celery tasks run where they are sent, as on a newcomer's machine, even where CI has a broker: for a test of
    what a chain of tasks ends in, not of what it queues. The app reads Django's settings as it goes, so the setting
    is the switch (a key set on the app's own conf would shadow it for every later test)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(autouse=True)
def worker_memory_forgotten_after_each_test():
    """A test's rollback undoes its products, weights, models and offers, but not what a worker keeps of them. The
    kept catalogue and champion follow their tables' versions, yet the banks' response records are kept for a minute
    whatever the version: on SQLite, where a rolled-back test's ids are used again, a later test with the same
    catalogue would rank with the earlier test's records."""
    from matching.ranking_inputs import ranking_inputs_forget
    from scoring.scoring_inputs import scoring_inputs_forget

    yield
    ranking_inputs_forget()
    scoring_inputs_forget()
