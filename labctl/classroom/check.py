"""`make class-check`: before class, whether N labs fit in this account and region, one line per quota.

Each line says what the class needs, what is in use and what the quota allows, and for what will not fit, which
quota to ask for (Service Quotas console, by its code). Read from Service Quotas (AWS's own value for this account,
else its default), IAM's GetAccountSummary and CloudFormation's DescribeAccountLimits; a quota that cannot be read
is one line saying so and where to look, never guessed. What binds a class in one account (DESIGN.md, turn 3):
- EC2 running On-Demand Standard instances, in vCPUs (L-1216C47A): account-specific, 1 to 32 on new accounts, and
  every lab's instance counts while it runs (t3.micro: 2 vCPUs);
- VPCs (L-F678F1CE) and internet gateways (L-A4707A72) per Region, 5 each with the default VPC's: the class needs one;
- IAM users and roles per account (a user per student; ROLES_PER_LAB per lab, CLASS_ROLES and BUDGET_ROLES for the
  class);
- CloudFormation stacks per Region (a stack per lab, the class's and its budget's);
- Firehose streams per Region (a stream per lab);
- Athena's active DML queries (every student running `lab query` at once) and active DDL queries (20 by default;
  the guide runs none: its table's partitions are projected, no MSCK REPAIR).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from lab_stack.sizing import BUDGET_ROLES, CLASS_ROLES, ROLES_PER_LAB
from labctl.i18n import N_, _
from labctl.session import NotAnAwsAnswer

EC2_VCPU_QUOTA = ("ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances")
VPC_QUOTA = ("vpc", "L-F678F1CE", "VPCs per Region")
IGW_QUOTA = ("vpc", "L-A4707A72", "Internet gateways per Region")
ATHENA_DML_QUOTA = "Active DML queries"
# The EC2 families the standard vCPU quota counts (its name says which).
STANDARD_FAMILIES = tuple("acdhimrtz")
RUNNING = ("pending", "running")


@dataclass(frozen=True)
class Line:
    what: str
    fits: bool | None  # None: could not be read
    text: str

    def __str__(self) -> str:
        mark = {True: "ok  ", False: "NO  ", None: "??  "}[self.fits]
        return mark + _(self.what) + ": " + self.text


def verdict(what: str, *, need: int, used: int, limit: float, ask: str, unit: str = "") -> Line:
    free = int(limit) - used
    if need <= free:
        return Line(
            what,
            True,
            _("the class needs {need}{unit}, {free}{unit} free ({used} in use of {limit})").format(
                need=need, free=free, unit=unit, used=used, limit=int(limit)
            ),
        )
    return Line(
        what,
        False,
        _(
            "the class needs {need}{unit}, only {free}{unit} free ({used} in use of {limit}): ask for at least "
            "{at_least} ({ask})"
        ).format(need=need, free=max(free, 0), unit=unit, used=used, limit=int(limit), at_least=used + need, ask=ask),
    )


def unreadable(what: str, error: Exception, where: str) -> Line:
    reason = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
    return Line(
        what, None, _("could not be read ({reason}): check it in {where}").format(reason=reason, where=_(where))
    )


def service_quota(quotas, service: str, code: str) -> float:
    """This account's value of a quota, else AWS's default for it."""
    try:
        return quotas.get_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchResourceException":
            raise
        return quotas.get_aws_default_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"]


def quota_named(quotas, service: str, words: str) -> tuple[str, float]:
    """(code, value) of the service's quota whose name holds `words` (codes Service Quotas lists for the service)."""
    for page in quotas.get_paginator("list_aws_default_service_quotas").paginate(ServiceCode=service):
        for quota in page["Quotas"]:
            if words.lower() in quota["QuotaName"].lower():
                return quota["QuotaCode"], service_quota(quotas, service, quota["QuotaCode"])
    raise LookupError(_("no {service} quota named like {words}").format(service=service, words=repr(words)))


def vcpus_of(ec2, instance_type: str) -> int:
    return ec2.describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"][0]["VCpuInfo"]["DefaultVCpus"]


def standard_vcpus_running(ec2) -> int:
    """vCPUs of the account's running standard instances: what the quota already holds."""
    total = 0
    for page in ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": list(RUNNING)}]
    ):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["InstanceType"][0] in STANDARD_FAMILIES:
                    cpu = instance.get("CpuOptions", {})
                    total += cpu.get("CoreCount", 1) * cpu.get("ThreadsPerCore", 2)
    return total


@dataclass(frozen=True)
class Class:
    """What is checked for: this many labs of this instance type, and the clients to read the account with."""

    client: Callable[[str], object]
    students: int
    instance_type: str


def _vcpus(c: Class) -> Line:
    service, code, name = EC2_VCPU_QUOTA
    ec2 = c.client("ec2")
    per_lab = vcpus_of(ec2, c.instance_type)
    return verdict(
        N_("EC2 on-demand standard vCPUs"),
        need=per_lab * c.students,
        used=standard_vcpus_running(ec2),
        limit=service_quota(c.client("service-quotas"), service, code),
        ask=_("{code}, {name}; {instance_type} has {vcpus} vCPUs").format(
            code=code, name=name, instance_type=c.instance_type, vcpus=per_lab
        ),
        unit=" vCPUs",
    )


def _vpcs(c: Class) -> Line:
    service, code, name = VPC_QUOTA
    used = len(c.client("ec2").describe_vpcs()["Vpcs"])
    limit = service_quota(c.client("service-quotas"), service, code)
    return verdict(N_("VPCs"), need=1, used=used, limit=limit, ask=f"{code}, {name}")


def _internet_gateways(c: Class) -> Line:
    service, code, name = IGW_QUOTA
    used = len(c.client("ec2").describe_internet_gateways()["InternetGateways"])
    limit = service_quota(c.client("service-quotas"), service, code)
    return verdict(N_("internet gateways"), need=1, used=used, limit=limit, ask=f"{code}, {name}")


def _iam_users(c: Class) -> Line:
    summary = c.client("iam").get_account_summary()["SummaryMap"]
    return verdict(
        N_("IAM users"), need=c.students, used=summary["Users"], limit=summary["UsersQuota"], ask=_("IAM users")
    )


def _iam_roles(c: Class) -> Line:
    summary = c.client("iam").get_account_summary()["SummaryMap"]
    need = ROLES_PER_LAB * c.students + CLASS_ROLES + BUDGET_ROLES
    return verdict(N_("IAM roles"), need=need, used=summary["Roles"], limit=summary["RolesQuota"], ask=_("IAM roles"))


def _stacks(c: Class) -> Line:
    cloudformation = c.client("cloudformation")
    limits = {x["Name"]: x["Value"] for x in cloudformation.describe_account_limits()["AccountLimits"]}
    pages = cloudformation.get_paginator("list_stacks").paginate(StackStatusFilter=list(_LIVE_STACK_STATUSES))
    used = sum(len(page["StackSummaries"]) for page in pages)
    return verdict(
        N_("CloudFormation stacks"),
        need=c.students + 2,
        used=used,
        limit=limits["StackLimit"],
        ask=_("CloudFormation stacks"),
    )


def _streams(c: Class) -> Line:
    code, limit = quota_named(c.client("service-quotas"), "firehose", "delivery streams")
    used = len(c.client("firehose").list_delivery_streams(Limit=10000)["DeliveryStreamNames"])
    return verdict(
        N_("Firehose streams"), need=c.students, used=used, limit=limit, ask=f"{code}, " + _("Firehose streams")
    )


def _athena_dml(c: Class) -> Line:
    code, limit = quota_named(c.client("service-quotas"), "athena", "active dml queries")
    what = N_("Athena active DML queries (every student querying at once)")
    return verdict(what, need=c.students, used=0, limit=limit, ask=f"{code}, {ATHENA_DML_QUOTA}")


def _athena_ddl(c: Class) -> Line:
    code, limit = quota_named(c.client("service-quotas"), "athena", "active ddl queries")
    line = verdict(
        N_("Athena active DDL queries (the guide runs none)"), need=c.students, used=0, limit=limit, ask=f"{code}"
    )
    return line if line.fits else Line(line.what, True, line.text + _("; only if every student ran DDL at once"))


CONSOLE = N_("the Service Quotas console")
IAM_CONSOLE = N_("the IAM console (IAM quotas)")
# (what, where to look when it cannot be read, how it is read)
CHECKS = (
    (N_("EC2 on-demand standard vCPUs"), CONSOLE, _vcpus),
    (N_("VPCs"), CONSOLE, _vpcs),
    (N_("internet gateways"), CONSOLE, _internet_gateways),
    (N_("IAM users"), IAM_CONSOLE, _iam_users),
    (N_("IAM roles"), IAM_CONSOLE, _iam_roles),
    (N_("CloudFormation stacks"), N_("the CloudFormation console (DescribeAccountLimits)"), _stacks),
    (N_("Firehose streams"), CONSOLE, _streams),
    (N_("Athena active DML queries"), CONSOLE, _athena_dml),
    (N_("Athena active DDL queries"), CONSOLE, _athena_ddl),
)


def check(client: Callable[[str], object], *, students: int, instance_type: str) -> list[Line]:
    """One line per quota a class of `students` labs needs."""
    needs = Class(client, students, instance_type)
    lines = []
    for what, where, read in CHECKS:
        try:
            lines.append(read(needs))
        except (ClientError, BotoCoreError, ResponseParserError, NotAnAwsAnswer, LookupError, KeyError) as error:
            lines.append(unreadable(what, error, where))
    return lines


# The statuses of a stack that exists (ListStacks also lists deleted ones for 90 days).
_LIVE_STACK_STATUSES = (
    "CREATE_IN_PROGRESS",
    "CREATE_FAILED",
    "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS",
    "IMPORT_IN_PROGRESS",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
)
