"""The policy rules every deployment starts with: 失信 listings exclude, and nothing milder does."""

from django.db import migrations

RULES = [
    {
        "code": "dishonest-judgment-debtor",
        "name": "Listed as a dishonest judgment debtor (失信被执行人)",
        "feature": "dishonest_debtor",
        "operator": "eq",
        "threshold": 1.0,
        "reason_zh": "企业当前被列为失信被执行人，暂不符合融资条件；履行义务并移出名单后可重新申请",
        "reason_en": (
            "The firm is currently listed as a dishonest judgment debtor; it can apply again once it has met "
            "its obligations and left the list"
        ),
    },
    {
        "code": "serious-dishonesty-list",
        "name": "On a serious-dishonesty list (严重失信主体名单)",
        "feature": "serious_dishonesty_listed",
        "operator": "eq",
        "threshold": 1.0,
        "reason_zh": "企业当前列入严重失信主体名单，暂不符合融资条件；完成信用修复后可重新申请",
        "reason_en": (
            "The firm is currently on a serious-dishonesty list; it can apply again once its credit is repaired"
        ),
    },
]


def add_rules(apps, schema_editor):
    PolicyRule = apps.get_model("scoring", "PolicyRule")
    for rule in RULES:
        PolicyRule.objects.update_or_create(code=rule["code"], defaults=rule)


def remove_rules(apps, schema_editor):
    apps.get_model("scoring", "PolicyRule").objects.filter(code__in=[rule["code"] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
