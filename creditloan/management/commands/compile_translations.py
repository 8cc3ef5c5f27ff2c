from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Compile every locale/*/LC_MESSAGES/*.po into the .mo Django reads. Pure Python (polib), so a machine "
        "without GNU gettext's msgfmt can set up too; entries marked fuzzy are left out, as msgfmt does."
    )

    def handle(self, *args, **options):
        compiled = 0
        for folder in settings.LOCALE_PATHS:
            for source in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(source))
                # Only translated entries go in (polib leaves out the fuzzy and the obsolete).
                catalogue.save_as_mofile(str(source.with_suffix(".mo")))
                compiled += 1
                self.stdout.write(f"{source}: {catalogue.percent_translated()}% translated")
        self.stdout.write(f"{compiled} catalogue{'s' if compiled != 1 else ''} compiled")
