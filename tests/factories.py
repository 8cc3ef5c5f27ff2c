"""Factories for the rows tests need, valid by construction: each test states only what matters to it."""

import datetime as dt

import factory
from django.utils import timezone

from creditloan.models import Enterprise


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """深圳市南山区, a manufacturer registered in 2018, active, with a valid code."""

    class Meta:
        model = Enterprise

    uscc = "914403001922038216"
    name = "深圳市示例科技有限公司"
    kind = "company"
    region = "440305"
    industry = "3911"
    registered_on = dt.date(2018, 5, 4)
    status = "active"
    legal_representative_name = "张三"
    source = "registry"
    ingested_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)
