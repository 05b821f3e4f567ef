"""cdk-nag 3 AwsSolutions: no unacknowledged finding, and every acknowledgment answers a real finding."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from app import build_app
from support.synth import lab_context

ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


def acknowledgments(app):
    """{rule id: reason} for every acknowledgment recorded in the construct tree."""
    found = {}
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED:
                for rule, reason in entry.data.items():
                    found[rule.split("::", 1)[-1]] = reason
    return found


def findings(app):
    report = AwsSolutionsChecks().validate_scope(app)
    return report, sorted(violation.rule_name for violation in report.violations)


@pytest.fixture(scope="module")
def lab_app():
    app, _ = build_app(lab_context())
    return app


@pytest.fixture(scope="module")
def unacknowledged_findings():
    """What AwsSolutions reports on the same lab when no acknowledgment is recorded."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cdk.Validations, "acknowledge", lambda self, *rules: None)
        app, _ = build_app(lab_context())
        return findings(app)[1]


def test_aws_solutions_reports_nothing_unacknowledged(lab_app):
    report, rules = findings(lab_app)
    assert rules == []
    assert report.success is True


def test_parquet_mode_reports_nothing_unacknowledged_either(parquet_lab):
    """The Glue read grant and the conversion settings add no finding of their own."""
    report, rules = findings(parquet_lab[0].node.root)
    assert rules == []
    assert report.success is True


def test_partitioned_mode_reports_nothing_unacknowledged_either(partitioned_lab):
    """Dynamic partitioning's processors add no finding of their own."""
    report, rules = findings(partitioned_lab[0].node.root)
    assert rules == []
    assert report.success is True


def test_parquet_partitioned_mode_reports_nothing_unacknowledged_either(parquet_partitioned_lab):
    """Parquet conversion and dynamic partitioning together, as the guide's second lab: no finding of their own."""
    report, rules = findings(parquet_partitioned_lab[0].node.root)
    assert rules == []
    assert report.success is True


def test_the_lab_does_have_findings_without_acknowledgments(unacknowledged_findings):
    """Guards the test above: nag really runs over this lab, and acknowledgments are what silence it."""
    assert "AwsSolutions-EC29" in unacknowledged_findings


def test_every_acknowledgment_answers_a_finding_and_every_finding_is_acknowledged(lab_app, unacknowledged_findings):
    nag_acknowledgments = {rule for rule in acknowledgments(lab_app) if rule.startswith("AwsSolutions-")}
    assert nag_acknowledgments == set(unacknowledged_findings)


def test_every_acknowledgment_gives_a_reason_specific_to_this_lab(lab_app):
    for rule, reason in acknowledgments(lab_app).items():
        if not rule.startswith("AwsSolutions-"):
            continue
        assert len(reason) >= 60, f"{rule}: reason too thin: {reason!r}"
        assert "lab" in reason.lower() or "Session Manager" in reason, f"{rule}: {reason!r}"
