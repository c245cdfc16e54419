"""cfn-lint on the synthesized templates (``make synth`` and ``tests/infra``).

Every rule ignored here is a finding about what CDK itself writes, with the reason:
"""

from __future__ import annotations

import sys
from pathlib import Path

IGNORED_RULES = (
    # CDK gives every Lambda an explicit DependsOn on its role (and the role's default policy)
    # besides the GetAtt of the role's ARN, so the policy exists before the function is invoked;
    # cfn-lint warns that the role half of it is redundant. Harmless, and not ours to change.
    "W3005",
)
REGIONS = ("us-east-1",)


def lint(template: Path) -> list[str]:
    """cfn-lint's findings (errors and warnings, ``IGNORED_RULES`` left out) as lines."""
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(template, config=ManualArgs(regions=list(REGIONS), ignore_checks=list(IGNORED_RULES)))
    return [f"{match.rule.id} {match.message} ({template.name}:{match.linenumber})" for match in matches]


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: python -m infra.cfn_lint TEMPLATE.json…", file=sys.stderr)
        return 2
    findings = [line for path in paths for line in lint(Path(path))]
    for line in findings:
        print(line)
    print(f"cfn-lint: {len(findings)} finding(s) in {len(paths)} template(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
