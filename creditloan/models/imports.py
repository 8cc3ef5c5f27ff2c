from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditloan.ingestion.problems import problem_text


class ImportBatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed, nothing applied")
    INTERRUPTED = "interrupted", _("Interrupted, nothing applied")


class RecordSource(models.TextChoices):
    """The five kinds of source an import file can come from; the registry must land before the rest."""

    ENTERPRISES = "enterprises", _("Enterprise registry")
    PUBLIC_CREDIT = "public_credit", _("Public credit")
    TAX = "tax", _("Tax")
    CUSTOMS = "customs", _("Customs")
    BANK = "bank", _("Bank-shared")


class ImportBatch(models.Model):
    """One run of the importer: its files are applied in one transaction, so it lands whole or not at all.

    The batch row itself is committed first, so a run that dies still leaves a trace saying it never finished.
    """

    status = models.CharField(
        _("status"), max_length=12, choices=ImportBatchStatus.choices, default=ImportBatchStatus.RUNNING
    )
    origin = models.CharField(_("started from"), max_length=32)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("started by")
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # A refused file's problem (creditloan.ingestion.problems), read in the reader's language; `error` keeps the
    # text as it was raised, for failures that are not refusals and for batches from before codes.
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error_params = models.JSONField(_("error details"), default=dict, blank=True)
    manifest = models.JSONField(
        _("manifest"), default=list, help_text=_("the files it was asked to import: source, name, size")
    )

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ImportBatchStatus.RUNNING, finished_at__isnull=True)
                | (~Q(status=ImportBatchStatus.RUNNING) & Q(finished_at__isnull=False)),
                name="importbatch_finished_unless_running",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def error_message(self) -> str:
        return problem_text(self.error_code, self.error_params, fallback=self.error)

    def changed_records(self) -> bool:
        """Whether any of its files created or updated a record (a batch of unchanged rows changes no rating)."""
        return self.files.filter(Q(created__gt=0) | Q(updated__gt=0)).exists()


class ImportFile(models.Model):
    """One file of a batch and what became of its rows: accepted = created + updated + unchanged."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="files", verbose_name=_("import batch")
    )
    source = models.CharField(_("source"), max_length=16, choices=RecordSource.choices)
    name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("file format"), max_length=8)
    encoding = models.CharField(
        _("text encoding"), max_length=16, blank=True, help_text=_("the text encoding it was read in")
    )
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("rows added"), default=0)
    updated = models.PositiveIntegerField(_("rows updated"), default=0)
    unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)

    class Meta:
        verbose_name = _("import file")
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    rows=models.F("created") + models.F("updated") + models.F("unchanged") + models.F("rejected")
                ),
                name="importfile_rows_accounted_for",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.name}"

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged


class ImportRejection(models.Model):
    """A row that was not applied, kept with the reason a person can act on."""

    file = models.ForeignKey(
        ImportFile, on_delete=models.CASCADE, related_name="rejections", verbose_name=_("import file")
    )
    row_number = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("field"), max_length=64)
    # The first problem as a code and its values (creditloan.ingestion.problems), put into words when read.
    code = models.CharField(_("rejection code"), max_length=32, blank=True)
    params = models.JSONField(_("rejection details"), default=dict, blank=True)
    # The same in English; all that rows imported before codes have.
    reason = models.TextField(_("reason"))
    errors = models.JSONField(
        _("problems found"), default=list, help_text=_("every problem found in the row, field by field")
    )
    raw = models.JSONField(_("the row as read"), default=dict)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = verbose_name
        ordering = ["file", "row_number"]
        constraints = [models.UniqueConstraint(fields=["file", "row_number"], name="importrejection_one_per_row")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.field}: {self.reason}"

    @property
    def message(self) -> str:
        """The reason in the active language."""
        return problem_text(self.code, self.params, fallback=self.reason)

    def messages(self) -> list[tuple[str, str]]:
        """Every problem of the row, (field, reason) in the active language."""
        return [
            (error["field"], problem_text(error.get("code", ""), error.get("params"), fallback=error["reason"]))
            for error in self.errors
        ]
