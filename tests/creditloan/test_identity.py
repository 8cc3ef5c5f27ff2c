"""Who may act for a firm: accounts opened and confirmed by a code texted to the mobile, real-name identity, a
claim that succeeds only when the registry's legal representative is the person, agents the legal
representative approves, and recovery by mobile. The texts go through the SMS backend the tests configure
(creditloan.identity.sms.MemoryBackend): each code is read from the message, as a person would."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.errors import DomainError, ErrorCode
from creditloan.identifiers import resident_id_check_character
from creditloan.identity.selectors import acts_for, delegations_answerable_by, memberships_in_force
from creditloan.identity.services import (
    account_open,
    agent_request,
    delegation_approve,
    delegation_refuse,
    delegation_revoke,
    enterprise_claim,
    identity_verify,
    password_reset_confirm,
    password_reset_request,
    phone_code_send,
    phone_confirm,
)
from creditloan.identity.sms import MemoryBackend
from creditloan.models import AgreementAcceptance, ClaimAttempt, EnterpriseMembership, PhoneCode, User
from creditloan.services import application_submit
from tests.creditloan.api.conftest import client_for as client_for_api
from tests.factories import STOCK_LOAN_TERMS, EnterpriseFactory, TaxRecordFactory, member_of

# The registry's legal representative of the factory's firm, and their resident ID number.
OWNER_NAME, OWNER_ID = "张三", "11010519491231002X"
PASSWORD = "a-Long-pass-2026"


# A text goes out once the write that made its code commits. The test's own transaction never commits, so the
# callbacks its writes left for the commit are run when the test looks at what was sent, as a commit would; the
# callbacks of a write that rolled back are gone, as they would be.
RUN: set[int] = set()


@pytest.fixture(autouse=True)
def texts(db):
    MemoryBackend.outbox.clear()
    RUN.clear()
    yield
    MemoryBackend.outbox.clear()


def texts_sent() -> list[tuple[str, str]]:
    for _savepoints, callback, _robust in list(connection.run_on_commit):
        if id(callback) not in RUN:
            RUN.add(id(callback))
            callback()
    return MemoryBackend.outbox


def last_code(phone: str) -> str:
    """The code in the last text to the number, as a person reads it off the phone."""
    text = next(text for to, text in reversed(texts_sent()) if to == phone)
    return re.search(r"验证码是(\d{6})", text)[1]


@pytest.fixture
def firm(db):
    return EnterpriseFactory(legal_representative_name=OWNER_NAME, legal_representative_id=OWNER_ID)


def valid_resident_id(first_17: str) -> str:
    return first_17 + resident_id_check_character(first_17)


def opened(username: str = "owner", phone: str = "13812345678") -> User:
    return account_open(username=username, password=PASSWORD, phone=phone, email="", accepted=True)


def confirmed(username: str = "owner", phone: str = "13812345678") -> User:
    user = opened(username, phone)
    return phone_confirm(user=user, code=last_code(phone))


# -- opening an account ---------------------------------------------------------------------------------------


def test_signing_up_on_the_page_logs_in_and_asks_for_the_code_texted_to_the_mobile(client, db):
    answer = client.post(
        reverse("accounts:signup"),
        {
            "username": "lihua",
            "phone": "138 1234 5678",
            "email": "",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept": "on",
        },
    )

    assert answer.status_code == 302 and answer.url == reverse("applicant:phone_confirm")
    user = User.objects.get(username="lihua")
    assert user.phone == "13812345678" and not user.phone_confirmed
    assert client.get(reverse("applicant:phone_confirm")).status_code == 200  # signed in
    assert {(a.document, a.version) for a in AgreementAcceptance.objects.filter(user=user)} == {
        ("user_agreement", "2026-12-03"),
        ("privacy_notice", "2026-12-03"),
    }
    confirmed_page = client.post(
        reverse("applicant:phone_confirm"), {"action": "confirm", "code": last_code("13812345678")}
    )
    assert confirmed_page.url == reverse("applicant:identity_verify")


def test_signing_up_again_with_a_taken_name_says_so_on_the_field(client, db):
    opened("lihua")
    answer = client.post(
        reverse("accounts:signup"),
        {"username": "LiHua", "phone": "13912345678", "password1": PASSWORD, "password2": PASSWORD, "accept": "on"},
    )

    assert answer.status_code == 200
    assert answer.context["form"].errors == {"username": ["this name is taken; choose another"]}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("phone", "12345", "'12345' is not a mainland China mobile number (11 digits, starting with 1)"),
        ("phone", "02012345678", "'02012345678' is not a mainland China mobile number (11 digits, starting with 1)"),
        ("accept", "", "This field is required."),
        ("password1", "12345678", "This password is too common. This password is entirely numeric."),
    ],
)
def test_a_sign_up_that_cannot_be_accepted_says_why_and_opens_nothing(client, db, field, value, error):
    form = {"username": "lihua", "phone": "13812345678", "password1": PASSWORD, "password2": PASSWORD, "accept": "on"}
    form[field] = value
    if field == "password1":
        form["password2"] = value

    answer = client.post(reverse("accounts:signup"), form)

    assert answer.status_code == 200
    assert answer.context["form"].errors[field] == [error]
    assert not User.objects.filter(username="lihua").exists()
    assert texts_sent() == []


def test_a_number_confirmed_on_one_account_cannot_open_another(db):
    confirmed("first", "13812345678")

    with pytest.raises(DomainError) as refused:
        opened("second", "13812345678")

    assert refused.value.field == "phone" and refused.value.code == ErrorCode.CONFLICT


# -- one-time codes -------------------------------------------------------------------------------------------


def test_a_code_is_kept_only_as_a_digest(db):
    user = opened()
    code = last_code(user.phone)

    stored = PhoneCode.objects.get(user=user)

    assert code not in stored.digest and len(stored.digest) == 64
    assert stored.expires_at - stored.sent_at == dt.timedelta(minutes=10)


def test_a_wrong_code_counts_a_try_and_the_fifth_voids_the_code(db):
    user = opened()
    right = last_code(user.phone)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    messages = []
    for _ in range(5):
        with pytest.raises(DomainError) as refused:
            phone_confirm(user=user, code=wrong)
        messages.append(refused.value.message)

    assert messages[0] == "code: that is not the code we sent (4 tries left)"
    assert messages[-1] == "code: too many wrong tries; ask for a new code"
    with pytest.raises(DomainError, match="too many wrong tries"):
        phone_confirm(user=user, code=right)
    assert not User.objects.get(pk=user.pk).phone_confirmed


def test_an_expired_code_is_refused(db):
    user = opened()
    sent = timezone.now() - dt.timedelta(minutes=11)
    PhoneCode.objects.filter(user=user).update(sent_at=sent, expires_at=sent + dt.timedelta(minutes=10))

    with pytest.raises(DomainError, match="expired or none was sent"):
        phone_confirm(user=user, code=last_code(user.phone))


def test_a_code_is_used_once(db):
    user = opened()
    code = last_code(user.phone)
    phone_confirm(user=user, code=code)
    User.objects.filter(pk=user.pk).update(phone_confirmed_at=None)
    user.refresh_from_db()

    with pytest.raises(DomainError, match="expired or none was sent"):
        phone_confirm(user=user, code=code)


def test_codes_to_a_number_are_throttled_by_the_minute_and_by_the_hour(db):
    user = opened()

    with pytest.raises(DomainError) as too_soon:
        phone_code_send(phone=user.phone, purpose="confirm", user=user)
    for minutes in range(1, 5):  # four more, each a minute apart: five in the hour
        PhoneCode.objects.filter(user=user).update(sent_at=timezone.now() - dt.timedelta(minutes=minutes * 2))
        phone_code_send(phone=user.phone, purpose="confirm", user=user)
    PhoneCode.objects.filter(user=user).update(sent_at=timezone.now() - dt.timedelta(minutes=10))
    with pytest.raises(DomainError) as too_many:
        phone_code_send(phone=user.phone, purpose="confirm", user=user)

    assert too_soon.value.code == ErrorCode.THROTTLED and "ask again in" in too_soon.value.message
    assert too_many.value.message == "code: too many codes were asked for in the last hour; try again later"
    assert len(texts_sent()) == 5


def test_codes_from_one_address_are_throttled_whatever_the_numbers(db, settings):
    settings.PHONE_CODES_PER_ADDRESS_HOUR = 3
    for n in range(3):
        phone_code_send(phone=f"1380000000{n}", purpose="confirm", address="203.0.113.9")

    with pytest.raises(DomainError, match="too many codes"):
        phone_code_send(phone="13800000009", purpose="confirm", address="203.0.113.9")
    phone_code_send(phone="13800000009", purpose="confirm", address="203.0.113.10")


def test_asking_for_a_new_code_too_soon_is_a_429_in_the_api(db):
    user = opened()

    answer = client_for_api(user).post("/api/v1/accounts/me/phone/code/")

    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"


# -- real-name identity ---------------------------------------------------------------------------------------


def test_an_identity_is_kept_as_a_digest_and_a_masked_number(db):
    user = identity_verify(user=confirmed(), real_name=" 张三 ", resident_id="11010519491231002x")

    user.refresh_from_db()
    assert (user.real_name, user.resident_id_masked) == ("张三", "110***********002X")
    stored = " ".join(str(value) for value in User.objects.filter(pk=user.pk).values().get().values())
    assert OWNER_ID not in stored and OWNER_ID.lower() not in stored


def test_an_identity_number_that_breaks_gb_11643_says_where(db):
    with pytest.raises(DomainError) as refused:
        identity_verify(user=confirmed(), real_name="张三", resident_id="110105194912310021")

    assert refused.value.field == "resident_id"
    assert refused.value.message == "resident_id: position 18: check character should be X, got 1"


def test_an_identity_comes_after_the_mobile_and_once(db):
    with pytest.raises(DomainError, match="confirm your mobile number first"):
        identity_verify(user=opened(), real_name="张三", resident_id=OWNER_ID)
    user = identity_verify(user=confirmed("second", "13912345678"), real_name="张三", resident_id=OWNER_ID)
    with pytest.raises(DomainError, match="already verified"):
        identity_verify(user=user, real_name="李四", resident_id="110101198001010010")


def test_one_person_has_one_verified_account(db):
    identity_verify(user=confirmed("first", "13812345678"), real_name="张三", resident_id=OWNER_ID)

    with pytest.raises(DomainError) as refused:
        identity_verify(user=confirmed("second", "13912345678"), real_name="张三", resident_id=OWNER_ID)

    assert refused.value.code == ErrorCode.CONFLICT and refused.value.field == "resident_id"


# -- claiming a firm ------------------------------------------------------------------------------------------


def person(username: str, name: str, resident_id: str, phone: str) -> User:
    return identity_verify(user=confirmed(username, phone), real_name=name, resident_id=resident_id)


def test_the_registrys_legal_representative_claims_the_firm_and_may_do_everything(firm):
    owner = person("owner", OWNER_NAME, OWNER_ID, "13812345678")

    membership = enterprise_claim(user=owner, uscc=firm.uscc)

    assert (membership.relation, membership.status) == ("legal_representative", "active")
    assert all(acts_for(owner, firm, may=may) for may in ("apply", "consent", "view_report"))
    assert ClaimAttempt.objects.get(user=owner).succeeded


def test_a_sole_proprietors_operator_claims_it_and_is_called_its_operator(client, db):
    shop = EnterpriseFactory(
        uscc="92440300MA5F1CEY5G",
        kind="sole_proprietor",
        name="深圳市南山区某某便利店",
        legal_representative_name="李四",
        legal_representative_id="44030519900101123X",
    )
    operator = person("shopkeeper", "李四", "44030519900101123X", "13812345678")

    assert enterprise_claim(user=operator, uscc=shop.uscc).status == "active"
    client.force_login(operator)
    home = client.get(reverse("applicant:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{shop.uscc} · 经营者" in home and "法定代表人" not in home


WRONG_NAME = ("李四", OWNER_ID)
WRONG_ID = (OWNER_NAME, "110101198001010010")


def test_a_wrong_name_and_a_wrong_id_get_the_same_answer_and_neither_acts(firm):
    answers = []
    for n, (name, resident_id) in enumerate([WRONG_NAME, WRONG_ID]):
        impostor = person(f"impostor{n}", name, resident_id, f"1381234567{n}")
        with pytest.raises(DomainError) as refused:
            enterprise_claim(user=impostor, uscc=firm.uscc)
        answers.append((refused.value.code, refused.value.field, refused.value.message))
        assert not memberships_in_force(impostor).exists()

    assert answers[0] == answers[1]
    assert ClaimAttempt.objects.filter(enterprise=firm, succeeded=False).count() == 2


def test_through_the_api_a_wrong_name_and_a_wrong_id_get_the_same_answer(firm):
    bodies = []
    for n, (name, resident_id) in enumerate([WRONG_NAME, WRONG_ID]):
        client = client_for_api(person(f"impostor{n}", name, resident_id, f"1381234567{n}"))
        answer = client.post(
            "/api/v1/enterprises/", {"uscc": firm.uscc, "relation": "legal_representative"}, format="json"
        )
        bodies.append((answer.status_code, answer.json()))

    assert bodies[0] == bodies[1] and bodies[0][0] == 403


def test_a_firm_without_the_registrys_id_cannot_be_claimed(db):
    firm = EnterpriseFactory(legal_representative_name=OWNER_NAME, legal_representative_id=None)

    with pytest.raises(DomainError, match="does not match the person the registry names"):
        enterprise_claim(user=person("owner", OWNER_NAME, OWNER_ID, "13812345678"), uscc=firm.uscc)


def test_claims_need_a_verified_identity(firm):
    with pytest.raises(DomainError, match="verify your identity"):
        enterprise_claim(user=confirmed(), uscc=firm.uscc)


def test_failed_claims_are_throttled_per_account(firm, settings):
    impostor = person("impostor", *WRONG_ID, "13812345670")
    for _ in range(settings.CLAIM_FAILURES_PER_ACCOUNT_DAY):
        with pytest.raises(DomainError, match="does not match"):
            enterprise_claim(user=impostor, uscc=firm.uscc)

    with pytest.raises(DomainError) as throttled:
        enterprise_claim(user=impostor, uscc=firm.uscc)

    assert throttled.value.code == ErrorCode.THROTTLED
    assert ClaimAttempt.objects.filter(user=impostor).count() == settings.CLAIM_FAILURES_PER_ACCOUNT_DAY


def test_failed_claims_are_throttled_per_firm_across_accounts(firm, settings):
    settings.CLAIM_FAILURES_PER_FIRM_DAY = 3
    for n in range(3):
        guesser = person(f"guess{n}", "王五", valid_resident_id(f"1101011980010110{n}"), f"1381234567{n}")
        with pytest.raises(DomainError, match="does not match"):
            enterprise_claim(user=guesser, uscc=firm.uscc)
    late = person("late", "王五", "110101198001010029", "13812345679")

    with pytest.raises(DomainError, match="too many failed claims"):
        enterprise_claim(user=late, uscc=firm.uscc)


def test_the_legal_representative_sees_who_failed_to_claim_the_firm(client, firm):
    impostor = person("impostor", *WRONG_ID, "13812345670")
    with pytest.raises(DomainError):
        enterprise_claim(user=impostor, uscc=firm.uscc)
    owner = person("owner", OWNER_NAME, OWNER_ID, "13812345678")
    enterprise_claim(user=owner, uscc=firm.uscc)
    client.force_login(owner)

    page = client.get(reverse("applicant:access_log", args=[firm.pk])).content.decode()

    failed = page[page.index('data-testid="failed-claims"') :]
    assert "110***********0010" in failed and "138****5670" in failed
    assert "110***********002X" not in failed  # the owner's own successful claim is not a failure


def test_a_claim_on_the_page_succeeds_for_the_registrys_person(client, firm):
    owner = person("owner", OWNER_NAME, OWNER_ID, "13812345678")
    client.force_login(owner)

    answer = client.post(reverse("applicant:enterprise_add"), {"uscc": firm.uscc, "role": "claim"})

    assert answer.status_code == 302
    assert client.get(reverse("applicant:credit_report", args=[firm.pk])).status_code == 200


# -- agents ---------------------------------------------------------------------------------------------------


def approve(by: User, request_id: int, *, may_apply=True, may_consent=False, may_view_report=False, days=30):
    """The legal representative's approval: applying only, for 30 days, unless told otherwise."""
    return delegation_approve(
        by=by,
        membership_id=request_id,
        may_apply=may_apply,
        may_consent=may_consent,
        may_view_report=may_view_report,
        valid_until=timezone.localdate() + dt.timedelta(days=days),
    )


@pytest.fixture
def owner(firm):
    owner = person("owner", OWNER_NAME, OWNER_ID, "13812345678")
    enterprise_claim(user=owner, uscc=firm.uscc)
    return owner


@pytest.fixture
def agent(db):
    return person("agent", "王经办", "110101199003070011", "13912345678")


def test_an_agent_acts_only_once_approved_and_only_for_what_was_delegated(firm, owner, agent):
    TaxRecordFactory(enterprise=firm)
    request = agent_request(user=agent, uscc=firm.uscc, note="财务")
    assert not memberships_in_force(agent).exists()

    approve(owner, request.pk)

    assert acts_for(agent, firm, may="apply")
    assert not acts_for(agent, firm, may="view_report") and not acts_for(agent, firm, may="consent")
    application_submit(applicant=agent, enterprise_id=firm.pk, **STOCK_LOAN_TERMS)


def test_an_agent_without_the_report_permission_gets_no_report_page(client, firm, owner, agent):
    request = agent_request(user=agent, uscc=firm.uscc)
    approve(owner, request.pk)
    client.force_login(agent)

    assert client.get(reverse("applicant:apply", args=[firm.pk])).status_code == 200
    assert client.get(reverse("applicant:credit_report", args=[firm.pk])).status_code == 404
    assert client.get(reverse("applicant:enterprise_export", args=[firm.pk])).status_code == 404
    assert client.get(reverse("applicant:delegations", args=[firm.pk])).status_code == 404


def test_a_delegation_ends_on_its_day_and_when_revoked(firm, owner, agent):
    request = agent_request(user=agent, uscc=firm.uscc)
    until = timezone.localdate() + dt.timedelta(days=3)
    delegation_approve(
        by=owner, membership_id=request.pk, may_apply=True, may_consent=True, may_view_report=True, valid_until=until
    )

    assert memberships_in_force(agent, on=until).exists()
    assert not memberships_in_force(agent, on=until + dt.timedelta(days=1)).exists()
    delegation_revoke(by=owner, membership_id=request.pk)
    assert not memberships_in_force(agent).exists()


def test_only_the_legal_representative_answers_requests(firm, owner, agent):
    request = agent_request(user=agent, uscc=firm.uscc)
    other = person("other", "赵六", "110101198001010037", "13712345678")
    member_of(other, firm, relation="authorised_agent", may_apply=True, may_consent=True, may_view_report=True)

    with pytest.raises(DomainError) as refused:
        approve(other, request.pk, may_consent=True, may_view_report=True)

    assert refused.value.code == ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("permissions", "days", "field"),
    [({}, 30, "permissions"), ({"may_apply": True}, 400, "valid_until"), ({"may_apply": True}, -1, "valid_until")],
)
def test_an_approval_needs_something_to_do_and_a_day_within_a_year(firm, owner, agent, permissions, days, field):
    request = agent_request(user=agent, uscc=firm.uscc)
    given = {"may_apply": False, "may_consent": False, "may_view_report": False} | permissions

    with pytest.raises(DomainError) as refused:
        delegation_approve(
            by=owner, membership_id=request.pk, valid_until=timezone.localdate() + dt.timedelta(days=days), **given
        )

    assert refused.value.field == field
    assert EnterpriseMembership.objects.get(pk=request.pk).status == "pending"


MOVES = {
    "approve": lambda owner, pk: approve(owner, pk),
    "refuse": lambda owner, pk: delegation_refuse(by=owner, membership_id=pk),
    "revoke": lambda owner, pk: delegation_revoke(by=owner, membership_id=pk),
}
AFTER = {
    ("pending", "approve"): "active",
    ("pending", "refuse"): "refused",
    ("pending", "revoke"): "revoked",
    ("active", "revoke"): "revoked",
}


@pytest.mark.parametrize("event", list(MOVES))
@pytest.mark.parametrize("state", ["pending", "active", "refused", "revoked"])
def test_each_answer_to_an_agent_moves_only_from_the_states_it_allows(firm, owner, agent, state, event):
    request = agent_request(user=agent, uscc=firm.uscc)
    if state != "pending":
        MOVES[{"active": "approve", "refused": "refuse", "revoked": "revoke"}[state]](owner, request.pk)

    if (state, event) in AFTER:
        assert MOVES[event](owner, request.pk).status == AFTER[(state, event)]
    else:
        with pytest.raises(DomainError) as refused:
            MOVES[event](owner, request.pk)
        assert refused.value.code == ErrorCode.INVALID_TRANSITION
        assert EnterpriseMembership.objects.get(pk=request.pk).status == state


def test_an_agent_can_ask_only_a_firm_whose_legal_representative_is_verified(firm, agent):
    with pytest.raises(DomainError, match="has not verified on the platform yet"):
        agent_request(user=agent, uscc=firm.uscc)


def test_the_legal_representative_approves_on_the_page(client, firm, owner, agent):
    request = agent_request(user=agent, uscc=firm.uscc)
    client.force_login(owner)
    until = timezone.localdate() + dt.timedelta(days=60)

    answer = client.post(
        reverse("applicant:delegations", args=[firm.pk]),
        {"action": "approve", "delegation": request.pk, "may_view_report": "on", "valid_until": until.isoformat()},
    )

    assert answer.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.may_view_report, request.may_apply, request.valid_until) == (
        "active",
        True,
        False,
        until,
    )


def test_the_agents_page_lists_waiting_requests_first_with_the_agent_masked(client, firm, owner, agent):
    ended = person("ended", "赵六", "110101198001010037", "13712345678")
    delegation_revoke(by=owner, membership_id=agent_request(user=ended, uscc=firm.uscc).pk)
    agent_request(user=agent, uscc=firm.uscc, note="财务经办人")
    client.force_login(owner)

    page = client.get(reverse("applicant:delegations", args=[firm.pk])).content.decode()
    listed = client_for_api(owner).get(f"/api/v1/enterprises/{firm.pk}/agents/").json()["results"]

    assert page.index("王经办") < page.index("赵六")
    assert "110***********0011" in page and "110101199003070011" not in page and "139****5678" in page
    assert [(row["agent"], row["status"]) for row in listed] == [("王经办", "pending"), ("赵六", "revoked")]


@pytest.mark.parametrize("delegation", ["abc", "1e5", "", "9" * 30])
def test_a_mangled_request_number_on_the_agents_page_is_not_found(client, firm, owner, delegation):
    client.force_login(owner)

    answer = client.post(
        reverse("applicant:delegations", args=[firm.pk]), {"action": "refuse", "delegation": delegation}
    )

    assert answer.status_code == 404


# -- recovering an account ------------------------------------------------------------------------------------


def a_while_later() -> None:
    """Past the minute a number waits between two codes."""
    PhoneCode.objects.update(sent_at=timezone.now() - dt.timedelta(minutes=2))


def test_a_password_is_reset_by_the_code_texted_to_the_confirmed_mobile(db):
    user = confirmed()
    a_while_later()

    password_reset_request(phone="+86 138 1234 5678")
    password_reset_confirm(phone="13812345678", code=last_code("13812345678"), password="another-Pass-2027")

    user.refresh_from_db()
    assert user.check_password("another-Pass-2027")
    assert not user.check_password(PASSWORD)


def test_a_reset_for_a_number_without_an_account_sends_nothing_and_says_the_same(client, db):
    confirmed()
    a_while_later()
    sent_before = len(texts_sent())

    known = client.post(reverse("accounts:password_reset_by_phone"), {"phone": "13812345678"})
    unknown = client.post(reverse("accounts:password_reset_by_phone"), {"phone": "13912345678"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(texts_sent()) == sent_before + 1


def test_the_whole_api_path_from_sign_up_to_a_claimed_firm(firm):
    anonymous = APIClient()
    opened = anonymous.post(
        "/api/v1/accounts/",
        {"username": "api-owner", "password": PASSWORD, "phone": "13812345678", "accept_agreements": True},
        format="json",
    )
    token = anonymous.post("/api/v1/tokens/", {"username": "api-owner", "password": PASSWORD}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    before = client.get(f"/api/v1/enterprises/{firm.pk}/credit-report/")
    client.post("/api/v1/accounts/me/phone/confirm/", {"code": last_code("13812345678")}, format="json")
    client.post("/api/v1/accounts/me/identity/", {"real_name": OWNER_NAME, "resident_id": OWNER_ID}, format="json")
    claimed = client.post(
        "/api/v1/enterprises/", {"uscc": firm.uscc, "relation": "legal_representative"}, format="json"
    )

    assert opened.status_code == 201 and opened.json()["phone"] == "138****5678"
    assert before.status_code == 404
    assert claimed.status_code == 201 and claimed.json()["membership_status"] == "active"
    assert client.get(f"/api/v1/enterprises/{firm.pk}/credit-report/").status_code == 200
    me = client.get("/api/v1/accounts/me/").json()
    assert (me["phone_confirmed"], me["identity_verified"], me["resident_id"]) == (True, True, "110***********002X")


# -- what was there before --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_memberships_declared_before_verification_existed_wait_for_it():
    before, after = ("creditloan", "0016_enterprise_kinds"), ("creditloan", "0017_identity_and_delegation")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        firm = old.get_model("creditloan", "Enterprise").objects.create(
            uscc="914403001922038216",
            name="深圳市示例科技有限公司",
            kind="company",
            region="440305",
            industry="3911",
            registered_on=dt.date(2018, 5, 4),
            status="active",
            legal_representative_name=OWNER_NAME,
            source="registry",
            ingested_at=timezone.now(),
            updated_at=timezone.now(),
        )
        person = old.get_model("creditloan", "User").objects.create(username="declared", role="applicant")
        old.get_model("creditloan", "EnterpriseMembership").objects.create(
            user=person, enterprise=firm, relation="legal_representative"
        )

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        new = executor.loader.project_state([after]).apps
        migrated = new.get_model("creditloan", "EnterpriseMembership").objects.values(
            "status", "may_apply", "may_consent", "may_view_report"
        )
        migrated = list(migrated)
    finally:
        MigrationExecutor(connection).migrate(leaves)

    assert migrated == [{"status": "pending", "may_apply": False, "may_consent": False, "may_view_report": False}]


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "用户协议"), ("en", "User agreement")])
def test_the_agreement_reads_in_the_pages_language_with_its_version(client, db, language, heading):
    client.cookies["django_language"] = language

    page = client.get(reverse("accounts:agreement", args=["user_agreement"]), HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 200
    assert heading in page.content.decode() and "2026-12-03" in page.content.decode()
    assert client.get(reverse("accounts:agreement", args=["nothing"])).status_code == 404


def test_the_back_office_shows_a_codes_number_masked(admin_client, db):
    user = opened()

    page = admin_client.get(reverse("admin:creditloan_phonecode_change", args=[PhoneCode.objects.get(user=user).pk]))

    assert page.status_code == 200
    assert "138****5678" in page.content.decode() and "13812345678" not in page.content.decode()


def test_a_password_is_reset_on_the_pages_and_the_new_one_signs_in(client, db):
    user = confirmed()
    a_while_later()
    client.post(reverse("accounts:password_reset_by_phone"), {"phone": "13812345678"})

    form = client.get(reverse("accounts:password_reset_by_phone_confirm"))
    done = client.post(
        reverse("accounts:password_reset_by_phone_confirm"),
        {"code": last_code("13812345678"), "password1": "another-Pass-2027", "password2": "another-Pass-2027"},
    )

    assert form.status_code == 200 and done.url == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password("another-Pass-2027")


def test_the_identity_page_comes_after_the_mobile_is_confirmed(client, db):
    user = opened()
    client.force_login(user)

    assert client.get(reverse("applicant:identity_verify")).url == reverse("applicant:phone_confirm")
    assert client.get(reverse("applicant:enterprise_add")).url == reverse("applicant:phone_confirm")
    phone_confirm(user=user, code=last_code(user.phone))
    assert client.get(reverse("applicant:identity_verify")).status_code == 200
    wrong = client.post(
        reverse("applicant:identity_verify"), {"real_name": "张三", "resident_id": "110105194912310021"}
    )
    assert wrong.context["form"].errors == {"resident_id": ["position 18: check character should be X, got 1"]}


def test_asking_again_too_soon_on_the_code_page_says_when_to_ask(client, db):
    user = opened()
    client.force_login(user)

    page = client.post(reverse("applicant:phone_confirm"), {"action": "resend"})

    assert page.status_code == 200
    (said,) = [str(message) for message in page.context["messages"]]
    assert said.startswith("a code was sent to this number just now; ask again in ")


ODD = ["", " ", "\x00", "١٢٣٤٥٦", "１３８１２３４５６７８", "9" * 5000, "<script>", "1e5", "-1", "☃"]


@pytest.mark.parametrize("odd", ODD)
def test_odd_input_on_every_page_of_these_flows_gets_a_page_not_a_500(client, firm, owner, agent, odd):
    request = agent_request(user=agent, uscc=firm.uscc)
    fresh = opened("fresh", "13712345678")
    posts = [
        (
            None,
            "accounts:signup",
            {},
            {"username": odd, "phone": odd, "email": odd, "password1": odd, "password2": odd},
        ),
        (fresh, "applicant:phone_confirm", {}, {"action": "confirm", "code": odd}),
        (fresh, "applicant:phone_confirm", {}, {"action": "change", "phone": odd}),
        (fresh, "applicant:phone_confirm", {}, {"action": odd}),
        (confirmed("midway", "13612345678"), "applicant:identity_verify", {}, {"real_name": odd, "resident_id": odd}),
        (agent, "applicant:enterprise_add", {}, {"uscc": odd, "role": odd, "note": odd}),
        (
            owner,
            "applicant:delegations",
            {"args": [firm.pk]},
            {"action": "approve", "delegation": request.pk, "valid_until": odd},
        ),
        (owner, "applicant:delegations", {"args": [firm.pk]}, {"action": odd, "delegation": request.pk}),
        (None, "accounts:password_reset_by_phone", {}, {"phone": odd}),
    ]
    for user, name, reverse_args, body in posts:
        client.logout()
        if user is not None:
            client.force_login(user)

        answer = client.post(reverse(name, **reverse_args), body)

        assert answer.status_code in (200, 302, 404), (name, body, answer.status_code)


@pytest.mark.parametrize("odd", ODD)
def test_odd_input_to_every_account_endpoint_gets_a_clear_refusal(firm, owner, agent, odd):
    request = agent_request(user=agent, uscc=firm.uscc)
    anonymous, as_owner = APIClient(), client_for_api(owner)
    calls = [
        (anonymous, "/api/v1/accounts/", {"username": odd, "password": odd, "phone": odd, "accept_agreements": odd}),
        (anonymous, "/api/v1/password-reset/", {"phone": odd}),
        (anonymous, "/api/v1/password-reset/confirm/", {"phone": odd, "code": odd, "password": odd}),
        (client_for_api(opened("fresh", "13712345678")), "/api/v1/accounts/me/phone/confirm/", {"code": odd}),
        (as_owner, "/api/v1/accounts/me/identity/", {"real_name": odd, "resident_id": odd}),
        (client_for_api(agent), "/api/v1/enterprises/", {"uscc": odd, "relation": odd, "note": odd}),
        (as_owner, f"/api/v1/delegations/{request.pk}/approve/", {"may_apply": odd, "valid_until": odd}),
    ]
    for client, path, body in calls:
        answer = client.post(path, body, format="json")

        # A mobile typed in full-width digits (a Chinese input method's) is that number: a reset is sent.
        if answer.status_code != 202:
            assert 400 <= answer.status_code < 500, (path, body, answer.status_code)
            assert set(answer.json()) == {"code", "message", "fields"}


def test_a_password_is_reset_by_the_link_mailed_to_the_accounts_address(client, db, mailoutbox):
    user = account_open(
        username="mailer", password=PASSWORD, phone="13812345678", email="mailer@example.cn", accepted=True
    )

    client.post(reverse("accounts:password_reset"), {"email": "mailer@example.cn"})
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.cn"})
    (mail,) = mailoutbox
    link = re.search(r"https?://[^/\s]+(/password-reset/email/\S+/)", mail.body)[1]
    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "another-Pass-2027", "new_password2": "another-Pass-2027"}
    )

    assert mail.to == ["mailer@example.cn"]
    assert done.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("another-Pass-2027")


def test_a_reset_answers_the_same_for_a_number_with_or_without_an_account_whatever_the_password(client, db):
    confirmed("owner", "13812345678")
    bodies = []
    for phone in ("13812345678", "13912345678"):
        for password in ("123", "ownerx12", PASSWORD):
            answer = APIClient().post(
                "/api/v1/password-reset/confirm/",
                {"phone": phone, "code": "000000", "password": password},
                format="json",
            )
            bodies.append((answer.status_code, answer.json()))

    assert bodies[:3] == bodies[3:]


def test_a_claim_left_pending_by_the_migration_can_become_an_agents_request(firm, owner, agent):
    EnterpriseMembership.objects.create(user=agent, enterprise=firm, relation="legal_representative")

    request = agent_request(user=agent, uscc=firm.uscc)

    assert (request.relation, request.status) == ("authorised_agent", "pending")
    assert list(delegations_answerable_by(owner)) == [request]
