from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditloanConfig(AppConfig):
    name = "creditloan"
    verbose_name = _("Credit data hub")
