"""The documents a person accepts to open an account, and their current versions. A new version is a new date
here and a new text in templates/legal/; acceptances keep the version that was accepted."""

from __future__ import annotations

from creditloan.models import AgreementDocument

CURRENT_VERSIONS: dict[str, str] = {
    AgreementDocument.USER_AGREEMENT: "2026-12-03",
    AgreementDocument.PRIVACY_NOTICE: "2026-12-03",
}
