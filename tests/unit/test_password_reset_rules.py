"""Pure rules of signing in and resetting a password: stand-in addresses, reset codes, the
reset e-mail, the request model, and the local outbox's store and page (files, no sockets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.contracts import ResetPasswordRequest
from backend.domain.rules import stand_in_address
from backend.local.moto_fixes import new_reset_code, reset_code_problem
from backend.local.outbox import Outbox, log_line, render_page
from backend.mail import Mail, masked_address, reset_code_mail

HOUR = 3600


# ---------------------------------------------------------------- stand-in addresses


def test_a_stand_in_address_cannot_belong_to_anyone_and_is_the_same_for_one_login() -> None:
    address = stand_in_address("Ghost.Name")
    assert address.endswith("@lumi.invalid")  # a reserved top-level domain: never an account
    assert address == stand_in_address("  ghost.name ")
    assert address != stand_in_address("ghost.name2")
    assert "ghost" not in address  # what a stranger typed is not passed on


# ---------------------------------------------------------------- reset codes


def test_a_reset_code_is_six_digits() -> None:
    codes = {new_reset_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 150


@pytest.mark.parametrize(
    ("pending", "given", "now", "problem"),
    [
        ({"code": "123456", "issued_at": 0}, "123456", 10, None),
        ({"code": "123456", "issued_at": 0}, " 123456 ", HOUR - 1, None),
        ({"code": "123456", "issued_at": 0}, "123457", 10, "CodeMismatchException"),
        ({"code": "123456", "issued_at": 0}, "", 10, "CodeMismatchException"),
        ({"code": "123456", "issued_at": 0}, "123456", HOUR, "ExpiredCodeException"),
        ({"code": "123456", "issued_at": 0}, "000000", HOUR + 5, "ExpiredCodeException"),
        (None, "123456", 10, "ExpiredCodeException"),
    ],
    ids=["right", "right-with-spaces", "wrong", "empty", "an-hour-old", "wrong-and-old", "none-pending"],
)
def test_what_cognito_says_about_a_code(pending: dict | None, given: str, now: float, problem: str | None) -> None:
    assert reset_code_problem(pending, given, now) == problem


# ---------------------------------------------------------------- the e-mail


def test_the_reset_e_mail_says_the_code_and_how_long_it_works() -> None:
    mail = reset_code_mail("ana@example.com", "042042", sent_at=5.0)
    assert (mail.to, mail.kind, mail.code, mail.sent_at) == ("ana@example.com", "reset_code", "042042", 5.0)
    assert "042042" in mail.text and "60 minutes" in mail.text and "ignore" in mail.text


@pytest.mark.parametrize(
    ("address", "masked"),
    [("ana@example.com", "a***@example.com"), ("b@x.org", "b***@x.org"), ("no-at-sign", "n***")],
)
def test_addresses_are_masked_in_the_log(address: str, masked: str) -> None:
    assert masked_address(address) == masked


def test_the_log_line_gives_the_code_and_a_masked_address() -> None:
    assert log_line(reset_code_mail("ana@example.com", "123456")) == "outbox: reset code 123456 for a***@example.com"
    other = Mail(to="ben@example.com", subject="Hello", text="Hi")
    assert log_line(other) == "outbox: 'Hello' for b***@example.com"


# ---------------------------------------------------------------- the request


def test_a_reset_request_takes_six_digits_and_a_password_by_the_rules() -> None:
    request = ResetPasswordRequest(login=" ana ", code=" 123456 ", new_password="a-new-one-1")
    assert (request.login, request.code) == ("ana", "123456")
    for code in ("12345", "1234567", "12ab56", ""):
        with pytest.raises(ValidationError) as refused:
            ResetPasswordRequest(login="ana", code=code, new_password="a-new-one-1")
        assert [e["loc"] for e in refused.value.errors()] == [("code",)]
    with pytest.raises(ValidationError) as weak:
        ResetPasswordRequest(login="ana", code="123456", new_password="nodigitshere")
    assert [e["loc"] for e in weak.value.errors()] == [("new_password",)]


# ---------------------------------------------------------------- the outbox


def test_the_outbox_lists_newest_first_and_by_address() -> None:
    outbox = Outbox()
    outbox.send(reset_code_mail("ana@example.com", "111111", sent_at=1))
    outbox.send(reset_code_mail("ben@example.com", "222222", sent_at=2))
    outbox.send(reset_code_mail("ana@example.com", "333333", sent_at=3))
    assert [m.code for m in outbox.messages()] == ["333333", "222222", "111111"]
    assert [m.code for m in outbox.messages("ANA@example.com")] == ["333333", "111111"]
    assert outbox.messages("nobody@example.com") == []


def test_the_outbox_survives_a_restart_keeping_the_newest(tmp_path: Path) -> None:
    path = str(tmp_path / "outbox.jsonl")
    first = Outbox(path, keep=3)
    for n in range(5):
        first.send(reset_code_mail("ana@example.com", f"00000{n}", sent_at=n))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"to": "torn')  # a write cut short by a crash
    again = Outbox(path, keep=3)
    assert [m.code for m in again.messages()] == ["000004", "000003", "000002"]
    lines = Path(path).read_text().splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["000002", "000003", "000004"]  # trimmed too


def test_the_outbox_page_escapes_what_it_shows() -> None:
    mail = Mail(to="ana@example.com", subject="<b>Hi</b>", text="<script>alert(1)</script>", code="123456")
    page = render_page([mail])
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'aria-label="&lt;b&gt;Hi&lt;/b&gt; for ana@example.com"' in page
    assert "<output>123456</output>" in page
    assert "Nothing was sent yet" in render_page([])
