"""Signing up as in AWS: the e-mailed code (read from the local outbox) confirms the address.

The suite's system confirms new accounts at once, except those at ``SIGN_UP_CODE_DOMAIN``
(``LUMI_LOCAL_SIGN_UP_CODE_DOMAINS``): these people get the code step, on the same system."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from e2e.conftest import SIGN_UP_CODE_DOMAIN
from e2e.pages import ConfirmEmailPage, HomePage, LoginPage, OutboxPage, RegisterPage, expect_field_error
from e2e.people import DESKTOP, PHONE, Person
from tools.system import LumiSystem

WRONG_CODE = "That code is not right. Check the latest e-mail from Lumi, or ask for a new code."
NEW_CODE_SENT = "If that account is waiting for its code, we've sent a new one."
COOL_DOWN = "You can ask for another code in 30 seconds."
NOT_CONFIRMED_YET = "Your e-mail address isn't confirmed yet."


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def asked_for_the_code(person: Person) -> Person:
    """``person`` with an address whose sign-up asks for the e-mailed code."""
    person.email = f"{person.username}@{SIGN_UP_CODE_DOMAIN}"
    return person


def sign_up(person: Person) -> ConfirmEmailPage:
    register = RegisterPage(person.page).open()
    register.fill(email=person.email, username=person.username, display_name=person.name, password=person.password)
    person.has_account = True
    register.submit()
    return ConfirmEmailPage(person.page).wait_until_ready()


@pytest.mark.local_only(reason="reads the e-mailed code from the local stack's outbox; a deployment mails a real inbox")
def test_a_new_account_confirms_its_e_mail_with_the_code_and_lands_signed_in(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given Ines signs up on a phone, with an address that must be confirmed
    ines = asked_for_the_code(new_person("Ines", PHONE, touch=True))
    confirm = sign_up(ines)

    # then the page says where the code went, and the code field suits a phone's keyboard and autofill
    expect(ines.page.get_by_text(f"We've sent a 6-digit code to {ines.email}")).to_be_visible()
    expect(confirm.code).to_have_attribute("autocomplete", "one-time-code")
    expect(confirm.code).to_have_attribute("inputmode", "numeric")

    # and the code is in the local outbox, e-mailed to Ines
    outbox = OutboxPage(ines.context.new_page(), lumi.outbox_url).open()
    first = outbox.latest_code(ines.email, OutboxPage.SIGN_UP_CODE_SUBJECT)

    # when Ines types a wrong code, then the code field says so
    confirm.confirm(another_code(first))
    expect_field_error(confirm.code, WRONG_CODE)

    # when Ines asks for a new code, then the page says so and the button rests a while
    confirm.send_new_code()
    expect(confirm.notice(NEW_CODE_SENT)).to_be_visible()
    expect(ines.page.get_by_text(COOL_DOWN)).to_be_visible()
    expect(confirm.new_code_button).to_be_disabled()
    outbox.open()
    expect(outbox.messages_to(ines.email, OutboxPage.SIGN_UP_CODE_SUBJECT)).to_have_count(2)
    newest = outbox.latest_code(ines.email, OutboxPage.SIGN_UP_CODE_SUBJECT)

    # when Ines enters the newest code, then Ines lands on home, signed in
    confirm.confirm(newest)
    expect(HomePage(ines.page).greeting(ines.name)).to_be_visible()
    HomePage(ines.page).wait_until_ready()


@pytest.mark.local_only(reason="reads the e-mailed code from the local stack's outbox; a deployment mails a real inbox")
def test_signing_in_before_confirming_leads_to_the_code_step(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given Jo signed up on a phone and left before entering the code
    jo = asked_for_the_code(new_person("Jo", PHONE))
    sign_up(jo)
    outbox = OutboxPage(jo.context.new_page(), lumi.outbox_url).open()
    code = outbox.latest_code(jo.email, OutboxPage.SIGN_UP_CODE_SUBJECT)

    # when Jo signs in on a desktop by username
    desktop = new_person("Desk", DESKTOP)
    LoginPage(desktop.page).open().login(jo.username, jo.password)

    # then the desktop asks for the code, saying why
    confirm = ConfirmEmailPage(desktop.page).wait_until_ready()
    expect(desktop.page.get_by_text(re.compile(re.escape(NOT_CONFIRMED_YET)))).to_be_visible()

    # when Jo enters the code there, then Jo is signed in on the desktop
    confirm.confirm(code)
    expect(HomePage(desktop.page).greeting(jo.name)).to_be_visible()
