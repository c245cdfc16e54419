"""Signing up, logging in, staying signed in, logging out and deleting the account."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from e2e.pages import (
    HomePage,
    LandingPage,
    LoginPage,
    PairingPage,
    RegisterPage,
    SettingsAccountPage,
    SettingsSecurityPage,
    expect_field_error,
    from_now_on,
)
from e2e.people import DESKTOP, PHONE, Person

WRONG_PASSWORD = "not-the-one-1"
# The same for a wrong password and an unknown account (e2e/test_password_reset.py shows they match).
INVALID_CREDENTIALS = "That e-mail or username and password don't match."


def test_login_says_what_went_wrong_and_keeps_what_was_typed(new_person: Callable[..., Person]) -> None:
    # given Alex has an account, and someone at another browser logs in
    alex = new_person("Alex", DESKTOP)
    RegisterPage(alex.page).register(alex)
    visitor = new_person("Visitor", PHONE)
    login = LoginPage(visitor.page).open()

    # when the password is wrong
    login.login(alex.username, WRONG_PASSWORD)

    # then the form says the two don't match and nothing typed is lost
    expect(login.alert(INVALID_CREDENTIALS)).to_be_visible()
    expect(login.login_field).to_have_value(alex.username)
    expect(login.password).to_have_value(WRONG_PASSWORD)
    expect(visitor.page).to_have_url(re.compile(r"/login"))

    # when nobody has that login, then the form says the same
    unknown = from_now_on(login.alert(INVALID_CREDENTIALS))
    login.login(f"nobody-{alex.username}", WRONG_PASSWORD)
    expect(unknown).to_be_visible()
    expect(login.login_field).to_have_value(f"nobody-{alex.username}")

    # when a field is left empty, then that field says so
    login.login(alex.email, "")
    expect_field_error(login.password, "Enter your password.")

    # when the e-mail address and the right password are given, then home greets Alex
    login.login(alex.email, alex.password)
    expect(HomePage(visitor.page).greeting(alex.name)).to_be_visible()


@pytest.mark.signs_up(reason="Blake signs up through the form, mistakes and all")
def test_sign_up_says_what_went_wrong_and_keeps_the_other_fields(new_person: Callable[..., Person]) -> None:
    # given Alex has taken a username
    alex = new_person("Alex", DESKTOP)
    RegisterPage(alex.page).register(alex)
    blake = new_person("Blake", PHONE)
    register = RegisterPage(blake.page).open()

    # when Blake signs up with it
    register.fill(email=blake.email, username=alex.username, display_name=blake.name, password=blake.password)
    register.submit()

    # then the username field says it is taken and the other fields keep their values
    expect_field_error(register.username, "That username is taken.")
    expect(register.email).to_have_value(blake.email)
    expect(register.display_name).to_have_value(blake.name)
    expect(register.password).to_have_value(blake.password)
    expect(register.username).to_have_value(alex.username)

    # when Blake picks a free username but a password without a digit
    register.username.fill(blake.username)
    register.password.fill("no-digits-here")
    register.submit()

    # then the password field says what a password needs, and the username error is gone
    expect_field_error(
        register.password, "Use a password of at least 8 characters with a lowercase letter and a digit."
    )
    expect(register.username).to_have_attribute("aria-invalid", "false")

    # when the password is fixed, then Blake is in
    register.password.fill(blake.password)
    blake.has_account = True  # deleted at the end, as register() would have it
    register.submit()
    expect(HomePage(blake.page).greeting(blake.name)).to_be_visible()


def test_a_session_survives_reloads_and_new_tabs_until_logging_out(new_person: Callable[..., Person]) -> None:
    # given Casey signed up on a phone
    casey = new_person("Casey", PHONE)
    home = RegisterPage(casey.page).register(casey)

    # when the page is reloaded, then Casey is still signed in
    home.reload()
    expect(home.greeting(casey.name)).to_be_visible()

    # when Casey opens a new tab, then it is signed in too
    tab = casey.context.new_page()
    account = SettingsAccountPage(tab).open()
    expect(account.username).to_have_value(casey.username)
    expect(account.display_name).to_have_value(casey.name)

    # when Casey logs out in the first tab
    home.shell.log_out()

    # then protected pages send either tab to the login page, which brings Casey back afterwards
    casey.page.goto(HomePage.path)
    expect(casey.page).to_have_url(re.compile(r"/login\?next=/home$"))
    tab.goto(PairingPage.path)
    expect(tab).to_have_url(re.compile(r"/login\?next=/pairing$"))
    LoginPage(tab).wait_until_ready().login(casey.username, casey.password)
    PairingPage(tab).wait_until_ready()
    expect(tab).to_have_url(re.compile(r"/pairing$"))


def test_changing_the_password_needs_the_current_one_and_takes_effect(new_person: Callable[..., Person]) -> None:
    # given Erin signed up
    erin = new_person("Erin", DESKTOP)
    RegisterPage(erin.page).register(erin)
    security = SettingsSecurityPage(erin.page).open()
    old_password, new_password = erin.password, "a-new-one-42"

    # when the current password is wrong, then its field says so and what was typed stays
    security.change_password(WRONG_PASSWORD, new_password, new_password)
    expect_field_error(security.current_password, "Your current password is not right.")
    expect(security.new_password).to_have_value(new_password)

    # when the new password is typed differently the second time, then that field says so
    security.change_password(old_password, new_password, "a-new-one-43")
    expect_field_error(security.confirm_password, "The two new passwords don't match.")
    expect(security.current_password).to_have_attribute("aria-invalid", "false")

    # when everything is right, then it is changed and the form is emptied
    security.change_password(old_password, new_password, new_password)
    expect(security.notice("Your password is changed.")).to_be_visible()
    erin.password = new_password  # what deletes her account at the end
    for field in (security.current_password, security.new_password, security.confirm_password):
        expect(field).to_have_value("")

    # and after logging out, the old password no longer logs in and the new one does
    security.shell.log_out()
    login = LoginPage(erin.page).open()
    login.login(erin.email, old_password)
    expect(login.alert(INVALID_CREDENTIALS)).to_be_visible()
    login.login(erin.email, new_password)
    expect(HomePage(erin.page).greeting(erin.name)).to_be_visible()


def test_deleting_the_account_needs_the_password_and_ends_it(new_person: Callable[..., Person]) -> None:
    # given Drew signed up
    drew = new_person("Drew", DESKTOP)
    RegisterPage(drew.page).register(drew)
    security = SettingsSecurityPage(drew.page).open()

    # when Drew confirms the deletion with a wrong password, then nothing is deleted
    security.delete_account(WRONG_PASSWORD)
    expect_field_error(security.delete_password, "That password is not right.")
    expect(security.delete_dialog).to_be_visible()

    # when Drew confirms with the right password
    security.delete_account(drew.password)

    # then Drew is signed out on the landing page
    landing = LandingPage(drew.page).wait_until_ready()
    drew.has_account = False  # nothing left to delete at the end
    expect(drew.page.get_by_text("Your account was deleted.")).to_be_visible()
    expect(landing.sign_up_link).to_be_visible()
    drew.page.goto(HomePage.path)
    expect(drew.page).to_have_url(re.compile(r"/login\?next=/home$"))

    # and logging in again does not work (in the words a wrong password gets)
    login = LoginPage(drew.page).wait_until_ready()
    login.login(drew.email, drew.password)
    expect(login.alert(INVALID_CREDENTIALS)).to_be_visible()
