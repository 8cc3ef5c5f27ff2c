"""The platform operator's pages: banks and their products, the ranking's weights, disputes and reviews of
knock-outs, imports and their rejected rows, the model registry and drift, the dashboard. Thin: a form checks the
input's shape, a service or a flow decides, and its refusal is shown on the form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from creditloan import selectors as creditloan_selectors
from creditloan.access import found_or_404, operator_required
from creditloan.converters import row_id
from creditloan.errors import DomainError, ErrorCode
from creditloan.flows import applications, records
from creditloan.flows.champion import model_promote, model_roll_back, training_run_start
from creditloan.forms import refusal_of, show_error, since_from
from creditloan.ingestion.uploads import upload_most_bytes, upload_progress
from creditloan.models import Bank, DisputeStatus, ImportBatchStatus, KnockOutReviewStatus, LoanPrimeRate
from creditloan.pages.charts import chart as _chart
from creditloan.pages.charts import funnel_step_names, payouts_chart
from creditloan.pages.operator.forms import (
    BankForm,
    DisputeAnswerForm,
    ImportUploadForm,
    PrimeRateForm,
    ProductForm,
    ReviewAnswerForm,
    WeightsForm,
)
from creditloan.services import disputes_seen, knockout_reviews_seen
from matching import dashboard, selectors
from matching.escalations import escalations_open_count, open_deadlines_past_calendar
from matching.models import LoanProduct, MatchingSettings
from matching.outcomes import outcomes_new_to_champion
from matching.pricing import product_rate_bounds
from matching.replay import replay
from matching.services import checked_settings, matching_settings_publish, prime_rate_record, product_set_active
from scoring.ml.features import FEATURES_BY_NAME
from scoring.ml.metrics import PSI_ALERT
from scoring.models import ModelStatus, ModelVersion, TrainingRun, TrainingRunStatus
from scoring.selectors import champion, model_drift, roll_back_target, stated_grade_scale
from scoring.services import TRAINING_STEPS
from scoring.training_steps import step_text, training_outcome


@operator_required
def operator_products(request):
    return render(request, "operator/products.html", {"products": selectors.products_for_operators()})


@operator_required
@require_POST
def operator_product_active(request, product_id: int):
    active = request.POST.get("active") == "1"
    try:
        product = product_set_active(product_id=product_id, active=active, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if active:
            messages.success(request, _("%(product)s is offered again.") % {"product": product.name})
        else:
            messages.success(
                request, _("%(product)s is paused: no new application is offered it.") % {"product": product.name}
            )
    return redirect("operator:products")


@operator_required
@require_http_methods(["GET", "POST"])
def operator_prime_rates(request):
    """The LPR as published, kept by date: what product rates are checked against."""
    form = PrimeRateForm(request.POST or None, initial={"effective_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            prime, created = prime_rate_record(**form.cleaned_data, by=request.user)
        except DomainError as error:
            show_error(form, error)
        else:
            said = (
                _("The LPR in force from %(date)s is kept.")
                if created
                else _("The LPR in force from %(date)s is corrected.")
            )
            messages.success(request, said % {"date": prime.effective_on.isoformat()})
            return redirect("operator:prime_rates")
    return render(
        request,
        "operator/prime_rates.html",
        {"form": form, "rates": LoanPrimeRate.objects.all()[:60], "bounds": product_rate_bounds()},
    )


def queue_status(request, statuses) -> str:
    """The queue's ?status=: one of the model's states or "all"; anything else shows the open ones."""
    status = request.GET.get("status", "open")
    return status if status == "all" or status in statuses.values else "open"


@operator_required
@require_http_methods(["GET", "POST"])
def operator_reviews(request):
    """Requests that a person review an automated knock-out: each overturned (the application goes on) or
    upheld, with the answer the applicant is sent."""
    if request.method == "POST":
        return _answer_posted(
            request,
            ReviewAnswerForm,
            lambda answer: applications.knockout_review_resolve(
                by=request.user, review_id=answer["review"], outcome=answer["outcome"], resolution=answer["resolution"]
            ),
            answered=_("The review is answered; the applicant is told."),
            queue="operator:reviews",
        )
    status = queue_status(request, KnockOutReviewStatus)
    return render(
        request,
        "operator/reviews.html",
        {
            "reviews": knockout_reviews_seen(
                viewer=request.user, reviews=list(creditloan_selectors.knockout_review_queue(status=status))
            ),
            "status": status,
            "today": timezone.localdate(),
        },
    )


@operator_required
@require_http_methods(["GET", "POST"])
def operator_disputes(request):
    """The dispute queue: open ones by deadline, the overdue flagged; each answered corrected or upheld."""
    if request.method == "POST":
        return _answer_posted(
            request,
            DisputeAnswerForm,
            lambda answer: records.dispute_resolve(
                by=request.user,
                dispute_id=answer["dispute"],
                outcome=answer["outcome"],
                resolution=answer["resolution"],
            ),
            answered=_("The dispute is answered; the applicant sees the answer."),
            queue="operator:disputes",
        )
    status = queue_status(request, DisputeStatus)
    return render(
        request,
        "operator/disputes.html",
        {
            "disputes": disputes_seen(
                viewer=request.user, disputes=list(creditloan_selectors.dispute_queue(status=status))
            ),
            "status": status,
            "today": timezone.localdate(),
        },
    )


def _answer_posted(request, form_class, resolve, *, answered: str, queue: str):
    """An operator's answer to a firm's request, posted from its queue (`queue`, where it goes back to): the form's
    refusal, the service's, or `answered`, said there as a message. `resolve(answer)` hands the form's answer on."""
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, refusal_of(form))
        return redirect(queue)
    try:
        resolve(form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, answered)
    return redirect(queue)


@operator_required
def operator_dashboard(request):
    since = since_from(request)
    steps = dashboard.funnel(since=since)
    banks = dashboard.bank_figures(since=since)
    months = dashboard.disbursed_by_month(since=since)
    grades = dashboard.grade_distribution()
    step_names = funnel_step_names()
    charts = {
        "funnel": _chart("bar", [step_names[step] for step in steps], {_("Applications"): list(steps.values())}),
        "approval": _chart(
            "bar",
            [bank.name for bank in banks],
            {_("Approval rate"): [round(100 * (bank.approval_rate or 0), 1) for bank in banks]},
            percent=True,
            horizontal=True,
        ),
        "response": _chart(
            "bar",
            [bank.name for bank in banks],
            {_("Median hours to answer"): [round(bank.median_response_hours or 0, 1) for bank in banks]},
            horizontal=True,
        ),
        "disbursed": payouts_chart(months),
        "grades": _chart("bar", list(grades), {_("Firms"): list(grades.values())}),
    }
    return render(
        request,
        "operator/dashboard.html",
        {
            "since": since,
            "steps": steps,
            "step_names": step_names,
            "banks": banks,
            "charts": charts,
            "times": dashboard.answer_times(since=since),
            "deadlines_past_calendar": open_deadlines_past_calendar(),
            "open_escalations": escalations_open_count(),
        },
    )


@operator_required
def operator_imports(request):
    return render(request, "operator/imports.html", {"batches": creditloan_selectors.import_batches()[:200]})


REJECTIONS_PER_PAGE = 50


@operator_required
def operator_import(request, batch_id: int):
    """A batch: while an upload's import runs, how far it is (import-progress.js follows it); then its counts and
    its rejected rows, a page at a time, each reason in the page's language."""
    batch = found_or_404(creditloan_selectors.import_batch(batch_id))
    rejections = Paginator(creditloan_selectors.rejections_of(batch).select_related("file"), REJECTIONS_PER_PAGE)
    page = rejections.get_page(request.GET.get("page"))
    return render(
        request,
        "operator/import.html",
        {
            "batch": batch,
            "page": page,
            "rejected": rejections.count,
            "progress": upload_progress(batch) if batch.status == ImportBatchStatus.RUNNING else None,
        },
    )


@operator_required
def operator_import_progress(request, batch_id: int):
    batch = found_or_404(creditloan_selectors.import_batch(batch_id))
    return JsonResponse(upload_progress(batch))


@operator_required
@require_http_methods(["GET", "POST"])
def operator_import_upload(request):
    """An operator uploads a source file; a worker imports it, and the batch page follows it."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = records.import_upload_receive(
                source=form.cleaned_data["source"],
                upload=form.cleaned_data["file"],
                encoding=form.cleaned_data["encoding"] or None,
                started_by=request.user,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect("operator:import", batch.pk)
    return render(
        request,
        "operator/import_upload.html",
        {"form": form, "most_mib": upload_most_bytes() // 2**20},
        status=400 if form.errors else 200,
    )


PREVIEW_DAYS = 90


@operator_required
@require_http_methods(["GET", "POST"])
def operator_weights(request):
    """The ranking weights: every version, a new one previewed on past applications, then published."""
    current = selectors.current_settings()
    initial = {
        "approval": current.weight_approval,
        "price": current.weight_price,
        "fit": current.weight_fit,
        "response": current.weight_response,
        "top_k": current.top_k,
        "since": timezone.localdate() - dt.timedelta(days=PREVIEW_DAYS),
    }
    form = WeightsForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        weights = {name: data[name] for name in ("approval", "price", "fit", "response", "top_k")}
        try:
            if "publish" in request.POST and not _confirmed(request):
                checked_settings(**weights)  # a refusal is said on the form, before anything is asked
                return _weights_confirm_page(request, current=current, weights=weights, note=data["note"])
            if "publish" in request.POST:
                version = matching_settings_publish(**weights, note=data["note"], by=request.user)
                messages.success(request, _("Version %(number)s published.") % {"number": version.number})
                return redirect("operator:weights")
            preview = replay(since=data["since"] or initial["since"], weight_changes=weights).to_dict()
        except DomainError as error:
            show_error(form, error)
    return render(
        request,
        "operator/weights.html",
        {"form": form, "preview": preview, "versions": MatchingSettings.objects.order_by("-number")[:50]},
    )


@operator_required
@require_http_methods(["GET", "POST"])
def operator_models(request):
    """Model versions side by side (LightGBM against the scorecard, out of time), promote, roll back, and train
    a new one with its progress shown as it runs."""
    action = request.POST.get("action")
    if request.method == "POST":
        try:
            if action == "train":
                run = training_run_start(by=request.user)
                return redirect(f"{reverse('operator:models')}?run={run.pk}")
            if action in ("promote", "roll_back") and not _confirmed(request):
                return _model_change_confirm_page(request, action=action)
            if action == "promote":
                version = model_promote(number=row_id(request.POST.get("number")))
                messages.success(request, _("v%(number)s is the champion.") % {"number": version.number})
            elif action == "roll_back":
                version = model_roll_back()
                messages.success(
                    request, _("Rolled back: v%(number)s is the champion again.") % {"number": version.number}
                )
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("operator:models")
    run = (
        TrainingRun.objects.filter(pk=row_id(request.GET.get("run"))).first()
        or TrainingRun.objects.order_by("-pk").first()
    )
    versions = list(ModelVersion.objects.order_by("-number")[:30])
    return render(
        request,
        "operator/models.html",
        {
            "versions": versions,
            "scales": [(version, stated_grade_scale(version)) for version in versions],
            "run": run,
            "run_said": _run_said(run) if run else None,
            "steps": TRAINING_STEPS,
            "new_outcomes": outcomes_new_to_champion(),
        },
    )


def _run_said(run: TrainingRun) -> dict:
    """A training run as the page says it, in the page's language: step n of N and its words while it runs,
    then what came of it (a finished run's version read as it stands now, so a later promotion shows)."""
    finished = run.status in (TrainingRunStatus.DONE, TrainingRunStatus.FAILED)
    if finished and run.version is not None:
        text = training_outcome(run.version)
    elif finished:
        text = run.message
    else:
        text = step_text(run.step_text)
    return {
        "status": run.status,
        "status_label": run.get_status_display(),
        "step": run.step,
        "steps": TRAINING_STEPS,
        "progress": _("Step %(step)s of %(steps)s") % {"step": run.step, "steps": TRAINING_STEPS},
        "text": text,
        # A version that beats the scorecard and is not the champion yet: the page offers to promote it.
        "promotable": run.version.number
        if run.version is not None and run.version.beats_baseline and run.version.status != ModelStatus.CHAMPION
        else None,
    }


def _confirmed(request) -> bool:
    """A change that asks first is made only when its confirmation page sends it again with confirm=1."""
    return request.POST.get("confirm") == "1"


def _confirm_page(request, *, title: str, changes: list[str], table=None, button: str, back: str):
    """The page that says what a change will do before it is made: the same form posted again with confirm=1;
    without JavaScript as with it."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirm")
        for value in values
    ]
    return render(
        request,
        "operator/confirm.html",
        {"title": title, "changes": changes, "table": table, "fields": fields, "button": button, "back": back},
    )


def _model_change_confirm_page(request, *, action: str):
    current = champion()
    if action == "promote":
        number = row_id(request.POST.get("number"))
        version = ModelVersion.objects.filter(number=number).defer("model_text").first()
        if version is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, _("there is no model version %(number)s") % {"number": number}, field="version"
            )
        title = _("Promote v%(number)s?") % {"number": version.number}
        button = _("Promote v%(number)s") % {"number": version.number}
    else:
        version = roll_back_target()
        if version is None:
            raise DomainError(ErrorCode.NOT_FOUND, _("no earlier champion to roll back to"))
        title = _("Roll back to v%(number)s?") % {"number": version.number}
        button = _("Roll back to v%(number)s") % {"number": version.number}
    if current is None:
        changes = [_("v%(new)s becomes the champion; no model is champion now.") % {"new": version.number}]
    else:
        changes = [
            _("v%(new)s becomes the champion in place of v%(old)s, which retires.")
            % {"new": version.number, "old": current.number}
        ]
    changes.append(
        _("Every firm is re-rated with it, and every application from now on is scored with it; you can roll back.")
    )
    compared = [version] if current is None else [current, version]
    table = {
        "head": [_("Version"), _("LightGBM AUC"), _("Scorecard AUC"), _("Held-out period")],
        "rows": [_version_figures(each) for each in compared],
    }
    return _confirm_page(request, title=title, changes=changes, table=table, button=button, back="operator:models")


def _version_figures(version: ModelVersion) -> list[str]:
    metrics = version.metrics or {}
    split = metrics.get("split", {})
    return [
        f"v{version.number}",
        f"{metrics.get('lightgbm', {}).get('auc', float('nan')):.3f}",
        f"{metrics.get('baseline', {}).get('auc', float('nan')):.3f}",
        f"{split.get('test_from', '')}–{split.get('test_to', '')}",
    ]


def _weights_confirm_page(request, *, current: MatchingSettings, weights: dict, note: str):
    names = {
        "approval": (_("Approval"), current.weight_approval),
        "price": (_("Price"), current.weight_price),
        "fit": (_("Fit"), current.weight_fit),
        "response": (_("Response"), current.weight_response),
        "top_k": (_("Offers at once"), current.top_k),
    }
    table = {
        "head": [_("Weight"), _("Now (v%(number)s)") % {"number": current.number}, _("After publishing")],
        "rows": [[label, f"{now}", f"{weights[name]}"] for name, (label, now) in names.items()],
    }
    changes = [
        _("Version %(number)s is published and ranks every application matched from now on.")
        % {"number": current.number + 1}
    ]
    if note:
        changes.append(_("Why: %(note)s") % {"note": note})
    return _confirm_page(
        request,
        title=_("Publish these weights?"),
        changes=changes,
        table=table,
        button=_("Publish version %(number)s") % {"number": current.number + 1},
        back="operator:weights",
    )


@operator_required
def operator_training_run(request, run_id: int):
    run = TrainingRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404
    said = _run_said(run)
    return JsonResponse(
        {
            "status": run.status,
            "status_label": said["status_label"],
            "step": run.step,
            "steps": TRAINING_STEPS,
            "progress": said["progress"],
            "text": said["text"],
            "message": run.message,
        }
    )


@operator_required
@require_http_methods(["GET", "POST"])
def operator_product_edit(request, product_id: int | None = None):
    """Create a product or change one; the model's own checks say what is wrong, field by field."""
    product = get_object_or_404(LoanProduct, pk=product_id) if product_id is not None else None
    return _model_form_page(
        request, ProductForm, product, template="operator/product_form.html", back="operator:products", name="product"
    )


def _model_form_page(request, form_class, instance, *, template: str, back: str, name: str):
    """An operator's form for one row, new or existing: saved in a transaction when valid, shown again with the
    model's own errors when not."""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
        return redirect(back)
    return render(request, template, {"form": form, name: instance})


DRIFT_DAYS = 90


def _feature_label(name: str) -> str:
    """A feature as the operator reads it, in the page's language; the score's own row is not a feature."""
    feature = FEATURES_BY_NAME.get(name)
    if feature is None:
        return _("Score (probability of default)")
    return feature.meaning_zh if get_language().startswith("zh") else feature.meaning_en.capitalize()


@operator_required
def operator_drift(request):
    """PSI of the score and of every feature: the champion's training loans against the applications since a
    date (computed when asked: it rebuilds both samples' features)."""
    version = champion()
    since = since_from(request) if "since" in request.GET else timezone.localdate() - dt.timedelta(days=DRIFT_DAYS)
    table, error, sizes = None, None, None
    if version is not None:
        try:
            frame, expected, actual = model_drift(version=version, since=since, reference=selectors.training_sample())
        except DomainError as refusal:
            error = refusal.message
        else:
            table = [{**row, "label": _feature_label(row["feature"])} for row in frame.to_dict("records")]
            sizes = {"training": expected, "recent": actual}
    chart = (
        _chart(
            "bar", [row["label"] for row in table], {"PSI": [round(row["psi"], 4) for row in table]}, horizontal=True
        )
        if table
        else None
    )
    return render(
        request,
        "operator/drift.html",
        {
            "version": version,
            "since": since,
            "table": table,
            "error": error,
            "sizes": sizes,
            "chart": chart,
            "alert": PSI_ALERT,
        },
    )


@operator_required
def operator_banks(request):
    return render(request, "operator/banks.html", {"banks": Bank.objects.order_by("name")})


@operator_required
@require_http_methods(["GET", "POST"])
def operator_bank_edit(request, bank_id: int | None = None):
    """Add a participating bank or change one (its deadline, its monthly capacity, whether it takes offers)."""
    bank = get_object_or_404(Bank, pk=bank_id) if bank_id is not None else None
    return _model_form_page(
        request, BankForm, bank, template="operator/bank_form.html", back="operator:banks", name="bank"
    )
