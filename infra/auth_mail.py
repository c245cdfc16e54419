"""How the user pool e-mails its codes (confirming a new account's address, choosing a new password).

Cognito sends them itself. By default from its own address (``COGNITO_DEFAULT``): a few dozen
e-mails a day and Cognito's own words, enough for trying Lumi out. With ``-c sesFromAddress=``
naming an address verified in Amazon SES (or one at ``-c sesVerifiedDomain=``, a verified domain;
``-c sesRegion=`` if SES is set up in another region) the pool sends through SES
(``DEVELOPER``) with Lumi's words (``backend.mail.cognito_code_text``): Cognito takes a custom
message only when it sends through SES. The identity must allow Cognito to send as it (SES
sending authorization for ``email.cognito-idp.amazonaws.com``; the console adds it).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_cognito as cognito
from constructs import Construct

from backend.mail import COGNITO_CODE_SUBJECT, cognito_code_text

FROM_NAME = "Lumi"


@dataclass(frozen=True)
class UserPoolMail:
    email: cognito.UserPoolEmail
    verification: cognito.UserVerificationConfig | None


def user_pool_mail(scope: Construct) -> UserPoolMail:
    """The pool's e-mail settings from the app's context (see the module's doc)."""
    from_address = scope.node.try_get_context("sesFromAddress")
    if not from_address:
        return UserPoolMail(cognito.UserPoolEmail.with_cognito(), None)
    email = cognito.UserPoolEmail.with_ses(
        from_email=str(from_address),
        from_name=FROM_NAME,
        ses_verified_domain=scope.node.try_get_context("sesVerifiedDomain") or None,
        ses_region=scope.node.try_get_context("sesRegion") or None,
    )
    verification = cognito.UserVerificationConfig(
        email_subject=COGNITO_CODE_SUBJECT,
        email_body=cognito_code_text(),
        email_style=cognito.VerificationEmailStyle.CODE,
    )
    return UserPoolMail(email, verification)
