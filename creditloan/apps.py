from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditloanConfig(AppConfig):
    name = "creditloan"
    verbose_name = _("Credit data hub")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from creditloan.credentials import token_saved_or_deleted, user_saved_or_deleted
        from creditloan.middleware import session_limits_start
        from creditloan.models import ApiToken, User

        user_logged_in.connect(session_limits_start, dispatch_uid="creditloan.session_limits_start")
        # Every write to an account or its tokens, by whatever path, ends what processes remember of those tokens.
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(user_saved_or_deleted, sender=User, dispatch_uid=f"creditloan.credentials.user_{name}")
            signal.connect(token_saved_or_deleted, sender=ApiToken, dispatch_uid=f"creditloan.credentials.token_{name}")
