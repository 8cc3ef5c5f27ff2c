from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditloanConfig(AppConfig):
    name = "creditloan"
    verbose_name = _("Credit data hub")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from creditloan.middleware import session_limits_start

        user_logged_in.connect(session_limits_start, dispatch_uid="creditloan.session_limits_start")
