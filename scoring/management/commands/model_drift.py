import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from creditloan.errors import DomainError
from matching.selectors import training_sample
from scoring import selectors
from scoring.ml.metrics import PSI_ALERT


class Command(BaseCommand):
    help = (
        "Population stability (PSI) of the champion's score and of every feature: the training sample against "
        f"recent applications. PSI above {PSI_ALERT} is flagged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=dt.date.fromisoformat,
            help="compare applications submitted on or after this date (default: the last 90 days of submissions)",
        )

    def handle(self, *args, since: dt.date | None, **options):
        version = selectors.champion()
        if version is None:
            raise CommandError("no model has been promoted yet: run `manage.py train_model`")
        if since is None:
            latest = selectors.latest_submission_day()
            if latest is None:
                raise CommandError("no applications yet: nothing to compare with the training sample")
            since = latest - dt.timedelta(days=90)
        try:
            table, reference_size, current_size = selectors.model_drift(
                version=version, since=since, reference=training_sample()
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"v{version.number}: training sample ({reference_size:,}) against applications since {since} "
            f"({current_size:,})\n"
        )
        self.stdout.write(f"{'':<32}{'PSI':>8}")
        for row in table.itertuples():
            flag = "  <- shifted" if row.flagged else ""
            self.stdout.write(f"{row.feature:<32}{row.psi:>8.3f}{flag}")
        flagged = int(table["flagged"].sum())
        self.stdout.write(f"\n{flagged} of {len(table)} flagged (PSI > {PSI_ALERT})")
