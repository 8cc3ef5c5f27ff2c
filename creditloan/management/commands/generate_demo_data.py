import datetime as dt
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from creditloan.demo.services import (
    DEFAULT_AS_OF,
    DEMO_PASSWORD,
    demo_firms_to_claim,
    demo_world_generate,
    demo_world_write,
)
from creditloan.ingestion.progress import TerminalProgress
from creditloan.models import Enterprise, User


class Command(BaseCommand):
    help = (
        "Generate a reproducible demo world (firms, records of all five sources, banks, products, past "
        "applications and loan outcomes) and load it through the importer; with --out, only write the files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=20_000, help="how many firms (default 20000)")
        parser.add_argument("--seed", type=int, default=7, help="the same seed builds the same world")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF, help="the world's today")
        parser.add_argument("--out", type=Path, help="write the import files here and load nothing")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if enterprises are already loaded")

    def handle(self, *args, enterprises, seed, as_of, out, if_empty, **options):
        if enterprises < 1:
            raise CommandError("--enterprises must be at least 1")
        if as_of > dt.date.today():
            raise CommandError(f"--as-of {as_of} is in the future; the importer rejects future-dated records")
        if out:
            _, files = demo_world_write(enterprises=enterprises, seed=seed, as_of=as_of, out_dir=out)
            for source, path in files.items():
                self.stdout.write(f"{source:<14} {path}")
            return
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "demo data and demo accounts (with a published password) are refused here; "
                "set CREDITLOAN_DEMO_DATA=true on a development machine"
            )
        if if_empty and Enterprise.objects.exists():
            self.stdout.write("Demo data is already loaded; nothing generated.")
            self._print_logins()
            return
        progress = TerminalProgress() if sys.stderr.isatty() and options["verbosity"] > 0 else None
        try:
            summary = demo_world_generate(enterprises=enterprises, seed=seed, as_of=as_of, on_progress=progress)
        finally:
            if progress:
                progress.close()
        for item in summary.batch.files.order_by("pk"):
            self.stdout.write(
                f"{item.source:<14} {item.rows:>10} rows  {item.accepted:>10} accepted  {item.rejected:>6} rejected"
            )
        self.stdout.write(
            f"{summary.banks} banks, {summary.products} products, {summary.applications} past applications, "
            f"{summary.offers} offers, {summary.loans} loans ({summary.defaults} defaulted)"
        )
        self._print_logins(summary.logins)

    def _print_logins(self, logins=None):
        if logins is None:
            logins = [(user.username, DEMO_PASSWORD, user.get_role_display()) for user in User.objects.order_by("pk")]
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}), at http://127.0.0.1:8000/:")
        for username, _, role in logins:
            self.stdout.write(f"  {username:<16} {role}")
        self._print_new_user_way_in()

    def _print_new_user_way_in(self):
        firm = demo_firms_to_claim().filter(memberships__isnull=True).first()
        self.stdout.write(
            "\nA new user: open /signup/; the code texted to the mobile is written to "
            f"{settings.SMS_FILE_PATH} (the demo's SMS backend)."
        )
        if firm is not None:
            self.stdout.write(
                f"To claim a firm, state the identity of its legal representative, for example "
                f"{firm.legal_representative_name} {firm.legal_representative_id.unmasked}, then add {firm.uscc}."
            )
