"""Forgetting the password (a code by e-mail, read from the local outbox), the show-password
toggle, and sign-in and reset answering a stranger the same whether or not an account exists."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from e2e.pages import (
    ForgotPasswordPage,
    HomePage,
    LoginPage,
    OutboxPage,
    RegisterPage,
    ResetPasswordPage,
    SettingsSecurityPage,
    expect_field_error,
    expect_no_horizontal_scroll,
    expect_password_toggle_works,
    from_now_on,
    password_toggle,
)
from e2e.people import DESKTOP, PHONE, Person
from tools.system import LumiSystem

INVALID_CREDENTIALS = "That e-mail or username and password don't match."
CODE_SENT = "If an account matches, we've sent a code to its e-mail."
INVALID_CODE = "That code is not right or has expired. Ask for a new one."
NEW_PASSWORD = "a-fresh-start-7"


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.local_only(reason="reads the e-mailed code from the local stack's outbox; a deployment mails a real inbox")
def test_a_forgotten_password_is_reset_with_the_emailed_code(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given Fran is signed in on a desktop, and has forgotten the password on a phone
    fran = new_person("Fran", DESKTOP)
    RegisterPage(fran.page).register(fran)
    phone = new_person("Phone", PHONE)
    login = LoginPage(phone.page).open()

    # when Fran asks for a code from the sign-in page
    reset = login.forgot_password().ask_for_code(fran.email)

    # then the reset page says a code went out (in words that fit any login) and remembers the login
    expect(reset.notice(CODE_SENT)).to_be_visible()
    expect(reset.login_field).to_have_value(fran.email)
    expect_no_horizontal_scroll(phone.page)

    # and the code is in the local outbox, e-mailed to Fran
    outbox = OutboxPage(phone.context.new_page(), lumi.outbox_url).open()
    code = outbox.latest_code(fran.email)

    # when Fran types a wrong code, then the code field says so and nothing typed is lost
    reset.reset(code=another_code(code), new=NEW_PASSWORD)
    expect_field_error(reset.code, INVALID_CODE)
    expect(reset.new_password).to_have_value(NEW_PASSWORD)
    expect(reset.login_field).to_have_value(fran.email)

    # when the new password is too weak, then its field says what a password needs
    reset.reset(code=code, new="weakpassword")
    expect_field_error(
        reset.new_password, "Use a password of at least 8 characters with a lowercase letter and a digit."
    )

    # when the two new passwords differ, then the second one says so
    reset.reset(code=code, new=NEW_PASSWORD, again=f"{NEW_PASSWORD}x")
    expect_field_error(reset.confirm_password, "The two new passwords don't match.")

    # when everything is right, then Fran is back on the sign-in page, told so, the login filled in
    reset.reset(code=code, new=NEW_PASSWORD)
    login = LoginPage(phone.page).wait_until_ready()
    expect(login.notice("Your password is changed")).to_be_visible()
    expect(login.login_field).to_have_value(fran.email)

    # and the old password no longer works, the new one does
    login.login(fran.email, fran.password)
    expect(login.alert(INVALID_CREDENTIALS)).to_be_visible()
    login.login(fran.email, NEW_PASSWORD)
    expect(HomePage(phone.page).greeting(fran.name)).to_be_visible()
    fran.password = NEW_PASSWORD  # what deletes her account at the end

    # and the desktop session was signed out by the reset: its next page asks to log in
    fran.page.reload()
    expect(fran.page).to_have_url(re.compile(r"/login\?next=/home$"))
    LoginPage(fran.page).wait_until_ready()
    assert phone.console_errors() == []


@pytest.mark.local_only(reason="reads the e-mailed code from the local stack's outbox; a deployment mails a real inbox")
def test_a_used_or_wrong_code_is_refused_from_a_signed_out_browser(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given Gale asked for a code (by username) and used it
    gale = new_person("Gale", DESKTOP)
    RegisterPage(gale.page).register(gale).shell.log_out()
    reset = ForgotPasswordPage(gale.page).open().ask_for_code(gale.username)
    code = OutboxPage(gale.context.new_page(), lumi.outbox_url).open().latest_code(gale.email)
    reset.reset(code=code, new=NEW_PASSWORD)
    LoginPage(gale.page).wait_until_ready()
    gale.password = NEW_PASSWORD  # what deletes her account at the end

    # when the same code is tried again, then it is refused in words
    reset = ResetPasswordPage(gale.page).open()
    reset.reset(login=gale.username, code=code, new="another-one-8")
    expect_field_error(reset.code, INVALID_CODE)
    expect(reset.new_code_link).to_be_visible()


@pytest.mark.local_only(reason="reads the e-mailed code from the local stack's outbox; a deployment mails a real inbox")
def test_sign_in_and_reset_answer_a_stranger_the_same_for_unknown_and_real_accounts(
    lumi: LumiSystem, new_person: Callable[..., Person]
) -> None:
    # given Hal has an account, and a stranger at another browser
    hal = new_person("Hal", DESKTOP)
    RegisterPage(hal.page).register(hal)
    stranger = new_person("Stranger", PHONE)
    login = LoginPage(stranger.page).open()
    nobody = f"nobody.{hal.username}@example.com"

    # when the stranger signs in with Hal's account and a wrong password, and with an unknown account
    login.login(hal.username, "not-the-one-1")
    expect(login.alert(INVALID_CREDENTIALS)).to_have_text(INVALID_CREDENTIALS)
    unknown_account = from_now_on(login.alert(INVALID_CREDENTIALS))
    login.login(nobody, "not-the-one-1")

    # then both read exactly the same, and no field is blamed
    expect(unknown_account).to_have_text(INVALID_CREDENTIALS)
    expect(login.login_field).to_have_attribute("aria-invalid", "false")
    expect(login.password).to_have_attribute("aria-invalid", "false")

    # when the stranger asks for reset codes for both, then the answer is the same
    for account in (hal.email, nobody):
        reset = LoginPage(stranger.page).open().forgot_password().ask_for_code(account)
        expect(reset.notice(CODE_SENT)).to_be_visible()

    # and only the real account was sent anything
    outbox = OutboxPage(stranger.context.new_page(), lumi.outbox_url).open()
    expect(outbox.messages_to(hal.email)).to_have_count(1)
    expect(outbox.messages_to(nobody)).to_have_count(0)

    # and a wrong code for the real account reads like any code for the unknown one
    wrong = another_code(outbox.latest_code(hal.email))
    for account in (hal.email, nobody):
        reset = ResetPasswordPage(stranger.page).open()
        reset.reset(login=account, code=wrong, new=NEW_PASSWORD)
        expect_field_error(reset.code, INVALID_CODE)


def test_every_password_field_can_show_what_was_typed(new_person: Callable[..., Person]) -> None:
    # given Ines on the sign-in page of a phone
    ines = new_person("Ines", PHONE)
    login = LoginPage(ines.page).open()

    # when Ines types a password and shows it, then it reads as typed and the focus stays in the field
    login.password.fill("secret-typed-1")
    expect_password_toggle_works(login.password, "secret-typed-1")

    # and the sign-up page and the reset page have the toggle too
    register = RegisterPage(ines.page).open()
    register.password.fill("another-typed-2")
    expect_password_toggle_works(register.password, "another-typed-2")
    reset = ResetPasswordPage(ines.page).open()
    for field in (reset.new_password, reset.confirm_password):
        field.fill("third-typed-3")
        expect_password_toggle_works(field, "third-typed-3")
    expect_no_horizontal_scroll(ines.page)

    # and so do the security settings of a signed-in person
    RegisterPage(ines.page).register(ines)
    security = SettingsSecurityPage(ines.page).open()
    for field in (security.current_password, security.new_password, security.confirm_password):
        expect(password_toggle(field)).to_have_accessible_name("Show password")
    security.new_password.fill("fourth-typed-4")
    expect_password_toggle_works(security.new_password, "fourth-typed-4")
    assert ines.console_errors() == []
