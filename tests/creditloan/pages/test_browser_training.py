"""The operator's training of a new model version in a real browser: signed in, the operator lands on the
dashboard, starts a training, watches it step by step to its outcome, and promotes the new version after a page
that says what will change. In Chinese at a desk's width and in English at a phone's."""

import re

import pytest

from scoring.models import ModelStatus, ModelVersion, TrainingRun
from scoring.services import TRAINING_STEPS
from scoring.tasks import train_model_run
from tests.creditloan.pages.test_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    DESK_ZH,
    PHONE_EN,
    Screens,
    browser,
    django_language,
    fits_the_screen,
    log_in,
    world,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install chromium"),
]

# What the pages say, in each language.
SAYS = {
    "zh-CN": {"dashboard": "数据看板", "step": "第 {n} 步，共 6 步", "promoted": "v{n} 已成为生产模型。"},
    "en-US": {"dashboard": "Dashboard", "step": "Step {n} of 6", "promoted": "v{n} is the champion."},
}
# Every "step n of N" the page showed, kept in the tab's sessionStorage so that it outlives the reload at the end.
KEEP_PROGRESS_SEEN = """
new MutationObserver(() => {
  const shown = document.querySelector("[data-run-field=progress]");
  if (!shown) return;
  const seen = JSON.parse(sessionStorage.getItem("progressSeen") || "[]");
  if (seen[seen.length - 1] === shown.textContent) return;
  sessionStorage.setItem("progressSeen", JSON.stringify([...seen, shown.textContent]));
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


@pytest.fixture
def tasks_wait_for_a_worker(world, settings):  # noqa: F811 - the fixture imported above
    """Once the world is built, tasks are sent to Celery's in-memory broker and wait there, as they wait for a
    worker in production; the test then does the worker's part, so that the page can be watched while the run
    is under way. (Celery reads its settings from Django's as they stand.)"""
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.mark.parametrize("context", [DESK_ZH, PHONE_EN], ids=["zh-1280", "en-390"])
def test_the_operator_trains_a_version_watches_it_run_and_promotes_it_after_confirming(
    browser,  # noqa: F811 - the fixture imported above
    world,  # noqa: F811
    tasks_wait_for_a_worker,
    context,
):
    url, says = world["url"], SAYS[context["locale"]]
    width = context["viewport"]["width"]
    screens = Screens(f"operator_training_{django_language(context)}_{width}")
    champion_before = ModelVersion.objects.get(status=ModelStatus.CHAMPION)
    browser_context = browser.new_context(**context)
    browser_context.add_init_script(KEEP_PROGRESS_SEEN)
    page = browser_context.new_page()

    # Signed in, the operator lands on the dashboard.
    log_in(page, url, "operator")
    page.wait_for_url(re.compile(r"/operations/dashboard/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith(says["dashboard"])
    screens.keep(page, "01-landed-on-the-dashboard")

    # Training is queued: the page comes back at once, the run waiting for a worker.
    page.goto(f"{url}/operations/models/")
    page.locator("button[name=action][value=train]").click()
    page.wait_for_url(re.compile(r"/operations/models/\?run=\d+$"))
    run = TrainingRun.objects.get()
    assert run.status == "queued"
    assert page.locator("[data-run-field=progress]").inner_text() == says["step"].format(n=0)
    assert fits_the_screen(page)
    screens.keep(page, "02-training-queued")

    # A worker takes it up; the page follows each step on its own and shows the outcome when it ends.
    train_model_run(run.pk)
    page.wait_for_function("() => document.querySelector('#run').dataset.runStatus === 'done'", timeout=30_000)
    page.wait_for_load_state()
    run.refresh_from_db()
    new_version = run.version
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('progressSeen') || '[]')")
    assert seen[0] == says["step"].format(n=0) and seen[-1] == says["step"].format(n=TRAINING_STEPS)
    assert new_version.status == ModelStatus.CANDIDATE
    assert ModelVersion.objects.get(status=ModelStatus.CHAMPION) == champion_before
    assert f"v{new_version.number}" in page.locator("[data-run-field=text]").inner_text()
    assert fits_the_screen(page)
    screens.keep(page, "03-training-done-with-its-outcome")

    # Promote asks first, naming the version that becomes champion and the one it replaces.
    assert new_version.beats_baseline, "the world's second training should beat the scorecard as its first did"
    page.locator("#run button[name=action][value=promote]").click()
    asked = page.locator("[data-testid=confirm]").inner_text()
    assert f"v{new_version.number}" in asked and f"v{champion_before.number}" in asked
    assert ModelVersion.objects.get(pk=new_version.pk).status == ModelStatus.CANDIDATE
    assert fits_the_screen(page)
    screens.keep(page, "04-promote-asks-first")
    page.locator("[data-testid=confirm-change]").click()
    page.wait_for_url(re.compile(r"/operations/models/$"))
    assert page.get_by_role("status").filter(has_text=says["promoted"].format(n=new_version.number)).is_visible()
    assert ModelVersion.objects.get(pk=new_version.pk).status == ModelStatus.CHAMPION
    screens.keep(page, "05-promoted")
    browser_context.close()
