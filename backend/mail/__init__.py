"""E-mail the system sends to people, and the one place its words are written.

In AWS, Cognito sends the e-mails of signing in itself: the password-reset code and the
sign-up confirmation code come from the user pool's own messages (``infra/stack.py`` builds
the confirmation e-mail from :func:`sign_up_code_mail`'s words, with Cognito's ``{####}``
where the code goes), so no Lambda of Lumi sends mail.

No e-mail leaves a developer's machine: the local stack's emulated Cognito hands every
message it would have sent to a :class:`Mailer`, the local outbox
(``backend.local.outbox``), which keeps it for a page and writes one line to the log.
A future e-mail of Lumi's own (a weekly digest, say) would get an SES adapter of this same
protocol, so the outbox shows it locally too.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

RESET_CODE_SUBJECT = "Your Lumi password reset code"
RESET_CODE_LIFETIME_SECONDS = 3600  # Cognito's forgot-password codes last one hour
SIGN_UP_CODE_SUBJECT = "Your Lumi confirmation code"
SIGN_UP_CODE_LIFETIME_SECONDS = 24 * 3600  # Cognito's sign-up confirmation codes last 24 hours


@dataclass(frozen=True)
class Mail:
    """One message: who it is for, its subject and text, and when it was sent (epoch seconds).

    ``kind`` and ``code`` say what it carries (``reset_code`` and the code), so a page or a
    test can find a code without reading the text."""

    to: str
    subject: str
    text: str
    sent_at: float = field(default_factory=time.time)
    kind: str = "message"
    code: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mail:
        return cls(
            to=str(data["to"]),
            subject=str(data["subject"]),
            text=str(data["text"]),
            sent_at=float(data["sent_at"]),
            kind=str(data.get("kind") or "message"),
            code=str(data.get("code") or ""),
        )


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


def reset_code_mail(to: str, code: str, *, sent_at: float | None = None) -> Mail:
    """The password-reset e-mail: the code, how long it works, and what to do if it was not you."""
    minutes = RESET_CODE_LIFETIME_SECONDS // 60
    text = (
        f"Your code to choose a new Lumi password is {code}.\n\n"
        f"Enter it on the page where you asked for it. It works once, for {minutes} minutes.\n\n"
        "If you didn't ask for it, you can ignore this e-mail: your password stays as it is."
    )
    return Mail(
        to=to,
        subject=RESET_CODE_SUBJECT,
        text=text,
        sent_at=time.time() if sent_at is None else sent_at,
        kind="reset_code",
        code=code,
    )


def sign_up_code_text(code: str) -> str:
    """The confirmation e-mail's text, as the local outbox shows it."""
    hours = SIGN_UP_CODE_LIFETIME_SECONDS // 3600
    return (
        f"Welcome to Lumi! Your code to confirm this e-mail address is {code}.\n\n"
        f"Enter it on the page where you signed up. It works for {hours} hours.\n\n"
        "If you didn't sign up for Lumi, you can ignore this e-mail: no account is made without the code."
    )


def sign_up_code_mail(to: str, code: str, *, sent_at: float | None = None) -> Mail:
    """The e-mail that confirms a new account's address (kind ``sign_up_code``)."""
    return Mail(
        to=to,
        subject=SIGN_UP_CODE_SUBJECT,
        text=sign_up_code_text(code),
        sent_at=time.time() if sent_at is None else sent_at,
        kind="sign_up_code",
        code=code,
    )


COGNITO_CODE_SUBJECT = "Your Lumi code"


def cognito_code_text(code: str = "{####}") -> str:
    """The words of the user pool's own code e-mail (``infra/auth_mail.py``; ``{####}`` is the code).

    Without a custom-message trigger Cognito sends one template for both codes (confirming a new
    account's address and choosing a new password), so these words fit both."""
    return (
        f"Your Lumi code is {code}.\n\n"
        "Enter it on the Lumi page where you asked for it: it confirms your e-mail address when you "
        "sign up, or lets you choose a new password.\n\n"
        "If you didn't ask for it, you can ignore this e-mail: nothing changes without the code."
    )


def masked_address(address: str) -> str:
    """``ana@example.com`` → ``a***@example.com``: enough to tell messages apart in a log."""
    local, at, domain = address.partition("@")
    if not at:
        return f"{address[:1]}***"
    return f"{local[:1]}***@{domain}"


__all__ = [
    "COGNITO_CODE_SUBJECT",
    "RESET_CODE_LIFETIME_SECONDS",
    "RESET_CODE_SUBJECT",
    "SIGN_UP_CODE_LIFETIME_SECONDS",
    "SIGN_UP_CODE_SUBJECT",
    "Mail",
    "Mailer",
    "cognito_code_text",
    "masked_address",
    "reset_code_mail",
    "sign_up_code_mail",
    "sign_up_code_text",
]
