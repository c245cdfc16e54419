"""How the app server reaches the API and IoT Core, as the stack grants and tells it.

The app server's task role comes from infra/app_server.py; a role ECS tasks assume stands in
for it here, wired the way LumiStack wires the real one.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="module")
def wired():
    from aws_cdk import aws_iam as iam
    from aws_cdk.assertions import Template

    from infra.app import build

    app = build(stage="dev", app_origins=["https://app.example"])
    (stack,) = [child for child in app.node.children if hasattr(child, "api")]
    role = iam.Role(stack, "AppServerTaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    stack.api.trust_app_server(role)
    environment = {**stack.api.app_server_environment(), **stack.realtime.app_server_environment()}
    secrets = stack.realtime.app_server_secrets()
    resolved = {name: stack.resolve(value) for name, value in environment.items()}
    assembly = app.synth()
    synthesized = assembly.get_stack_by_name("Lumi-dev")
    return Template.from_json(synthesized.template), synthesized.messages, stack, role, resolved, secrets


def _logical_id(stack, construct) -> str:
    return stack.get_logical_id(construct.node.default_child)


def test_cdk_nag_reports_no_errors_with_the_app_server_wired(wired):
    _, messages, *_ = wired
    errors = [f"{m.id}: {m.entry.data}" for m in messages if m.level.name == "ERROR"]
    assert errors == []


def test_only_the_app_servers_role_may_invoke_the_function_url(wired):
    template, _, stack, role, _, _ = wired
    function = _logical_id(stack, stack.api.function)
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": _logical_id(stack, role)} in p["Properties"]["Roles"]
    ]
    statements = [s for statement_list in policies for s in statement_list]
    by_action = {s["Action"]: s for s in statements}
    # function URLs made since October 2025 need both actions; InvokeFunction only through the URL
    assert by_action["lambda:InvokeFunctionUrl"]["Condition"] == {
        "StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}
    }
    assert by_action["lambda:InvokeFunction"]["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": True}}
    for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):
        assert by_action[action]["Resource"] == {"Fn::GetAtt": [function, "Arn"]}
    (url,) = template.find_resources("AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "AWS_IAM"


def test_the_api_trusts_forwarded_addresses_from_that_role_only(wired):
    template, _, stack, role, _, _ = wired
    function = template.find_resources("AWS::Lambda::Function")[_logical_id(stack, stack.api.function)]
    environment = function["Properties"]["Environment"]["Variables"]
    assert environment["LUMI_APP_SERVER_ROLE_ARN"] == {"Fn::GetAtt": [_logical_id(stack, role), "Arn"]}
    assert "LUMI_TRUSTED_CLIENT_IP_HEADER" not in environment and "LUMI_APP_SERVER_SECRET" not in environment


def test_the_app_server_is_told_to_sign_its_calls_and_where_iot_core_is(wired):
    template, _, stack, _, environment, secrets = wired
    url = next(iter(template.find_resources("AWS::Lambda::Url")))
    assert environment["LUMI_API_URL"] == {"Fn::GetAtt": [url, "FunctionUrl"]}
    assert environment["LUMI_API_AUTH"] == "iam"
    assert environment["LUMI_REALTIME_BROKER"] == "iot"
    assert environment["LUMI_IOT_AUTHORIZER_NAME"] == stack.realtime.authorizer_name
    # the account's data endpoint, looked up by a custom resource at deploy time
    (lookup_id, lookup) = next(
        (i, r) for i, r in template.find_resources("Custom::AWS").items() if "describeEndpoint" in json.dumps(r)
    )
    assert environment["LUMI_IOT_ENDPOINT"] == {"Fn::GetAtt": [lookup_id, "endpointAddress"]}
    assert '"action":"describeEndpoint"' in str(lookup["Properties"]["Create"]).replace(" ", "")
    assert set(secrets) == {"LUMI_REALTIME_SERVICE_SECRET"}
