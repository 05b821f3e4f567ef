"""How a class's StackSet is driven: the settings of its operations, read by `make class-up`/`class-down`
(labctl/classroom/stackset.py) and by the class's own end (lab_stack/stackset_admin.py). No CDK here.

Creating: one CreateStackInstances per student. ParameterOverrides "will be applied to all stack instances in the
specified accounts and Regions" of a call (API reference, CreateStackInstances), so a StudentId of each student's own
is one operation per student account. The StackSet runs with ManagedExecution Active: StackSets "performs
non-conflicting operations concurrently and queues conflicting operations" (API reference, ManagedExecution), such as
"two operations updating different stack instances" (What's New, 2021-11-19, "AWS CloudFormation StackSets ...
simultaneous execution"), so the class's labs are made at once, each operation its own: one account that fails
(an SCP, a missing execution role, a quota) fails its own operation and no other. Before them, the first new student's
lab is made alone and must succeed ("Verify that adding stack instances to your initial stack set works before you add
larger numbers of stack instances", StackSets user guide, "Best practices"): a template that cannot deploy fails once,
not once per student. Within an operation of one account and one Region, the preferences have one meaning only
(MaxConcurrentCount 1, FailureToleranceCount 0: the operation is that account's outcome).

Nothing here bounds how many students' operations run at once, and nothing needs to: each lab is alone in its account,
so the quotas that bound a class in one account (Firehose's 5 control-plane calls a second, VPCs, vCPUs) are each
student's own; what the class shares is the administrator account's StackSets quotas (CloudFormation user guide,
"Understand CloudFormation quotas": stack instances per stack set, 2,000, and stack instance operations running at once
per Region per administrator account, 3,500, in the version read; Service Quotas says an account's own), far above a
roster's 100 students.

Deleting: one DeleteStackInstances for every account of the class, both at `make class-down` and at the class's end.
MaxConcurrentPercentage 100: no account waits for another, nothing is shared between them. FailureTolerancePercentage
100 with ConcurrencyMode SOFT_FAILURE_TOLERANCE: an account whose lab fails to delete does not stop the deletion in the
others ("SOFT_FAILURE_TOLERANCE: This option decouples FailureToleranceCount from the actual concurrency. This allows
StackSet operations to run at the concurrency level set by the MaxConcurrentCount value, or MaxConcurrentPercentage,
regardless of the number of failures"; STRICT_FAILURE_TOLERANCE, the default, lowers the concurrency with each
failure and stops past the tolerance: API reference, StackSetOperationPreferences), and `make class-down` then names
what is left in each account. RegionConcurrencyType PARALLEL: a class is in one Region, so it changes nothing today
and would not serialize a class spread over Regions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

# When the class's end deletes the stack instances: after each lab's own schedules, at the end, have stopped its
# instance and removed its student's password (lab_stack/student_login.py says why).
LABS_GO_AFTER = timedelta(minutes=15)

# The StackSet's own settings (CreateStackSet).
MANAGED_EXECUTION = {"Active": True}
# The lab makes IAM roles and the student's named IAM user (CloudFormation API reference, CreateStackSet Capabilities).
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]

CREATE_PREFERENCES = {
    "RegionConcurrencyType": "PARALLEL",
    "MaxConcurrentCount": 1,
    "FailureToleranceCount": 0,
}
DELETE_PREFERENCES = {
    "RegionConcurrencyType": "PARALLEL",
    "MaxConcurrentPercentage": 100,
    "FailureTolerancePercentage": 100,
    "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
}

# Self-managed permissions: the roles AWS's StackSets setup templates make (StackSets user guide, "Grant
# self-managed permissions"): the administrator account's role, and the role it assumes in each target account.
ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
# Service-managed permissions: the role AWS Organizations makes in every account it creates, which the management
# account may assume (Organizations user guide, "Accessing a member account that has a management account access role").
ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole"


class StackSetTargets:
    """Where the class's labs are: an account list (self-managed) or an organizational unit (service-managed)."""

    def __init__(self, *, accounts: Sequence[str] = (), organizational_unit: str | None = None) -> None:
        if bool(accounts) == bool(organizational_unit):
            raise ValueError("a class's labs are in an account list or in an organizational unit, one of the two")
        self.accounts = list(accounts)
        self.organizational_unit = organizational_unit

    @property
    def service_managed(self) -> bool:
        return self.organizational_unit is not None

    def request(self) -> dict:
        """Accounts or DeploymentTargets, as the StackSet instance calls take them."""
        if self.service_managed:
            return {"DeploymentTargets": {"OrganizationalUnitIds": [self.organizational_unit]}}
        return {"Accounts": self.accounts}
