"""Names in an AWS account: the ones a lab derives from its labName, and the ones it must never take.

No CDK here: the settings check (config.py), the stack, the deploy preflight and the rehearsal's leftovers check
all read these.
"""

from __future__ import annotations

from lab_stack.i18n import N_

# `cdk bootstrap`'s stack, shared by every CDK app of an account/region (a lab by that name would run its change
# set against it, and `make destroy` would delete it), and the default qualifier of the resources it names.
BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_QUALIFIER = "cdk-hnb659fds-"
# Every account has it; CloudFormation cannot create another (Athena: "primary" is the default workgroup).
ATHENA_BUILTIN_WORKGROUP = "primary"

# labName (lowercased) -> what that name already is in every account.
RESERVED_LAB_NAMES = {
    BOOTSTRAP_STACK.lower(): N_("the CDK bootstrap stack's name (make destroy would delete it)"),
    ATHENA_BUILTIN_WORKGROUP: N_("the name of Athena's built-in workgroup"),
}


# What happens to a lab at its expiry, as its `AtExpiry` output says it (lab_stack/lifetime.py; `make status` reads it).
DELETES_ITS_STACK = N_("the stack deletes itself")
STOPS_ITS_INSTANCE = N_(
    "its class deletes it (a StackSet's DeleteStackInstances) and its own schedule stops its instance"
)

# Where the stream writes in the lab's bucket: delivered data, and what it could not deliver or convert.
DATA_ROOT = "data/"
ERROR_ROOT = "errors/"

# The workgroup's saved queries, by the name the Athena console and `make query QUERY=...` show.
EVENTS_PER_MINUTE = "events per minute"
TOP_TICKERS = "top tickers"

# The Glue database carries the labName that made it, so a deploy can tell its own database from another lab's.
DATABASE_OWNER_PARAMETER = "firehose-lab:labName"


def database_name(lab_name: str) -> str:
    """The lab's Glue database. Glue and Athena want lowercase names without hyphens; lab names are letters, digits
    and hyphens, so `-` -> `_` is one-to-one but case is lost: Lab-A and lab-a share `lab_a` (the deploy preflight
    refuses the second)."""
    return lab_name.lower().replace("-", "_")


# A class of labs in one account (lab_stack/roster.py says what a class name and a student id may be). The class's
# policy finds a student's resources by these tags, and by these names where a service has no tag condition.
CLASS_TAG = "class"
STUDENT_TAG = "student"


def class_stack_name(class_name: str) -> str:
    """The class's own stack (shared VPC, the students' group and policies, the dashboard, the expiry)."""
    return f"{class_name}-class"


def class_budget_stack_name(class_name: str) -> str:
    """The class's Budgets backstop (its budget, the action that stops every lab's instance), deployed after the labs
    it names."""
    return f"{class_name}-budget"


def class_budget_name(class_name: str) -> str:
    """The class's budget and the SNS topic its notices go to (a budget's name is unique in the account)."""
    return f"firehose-lab-{class_name}"


def student_lab_name(class_name: str, student_id: str) -> str:
    """The student's labName: their stack, IAM user, Athena workgroup and dashboard; `database_name()` of it is
    their Glue database."""
    return f"{class_name}-{student_id}"


def student_bucket_name(class_name: str, student_id: str, account: str, region: str) -> str:
    """The student's bucket, named so the class policy can name it exactly (S3 has no tag condition without bucket
    ABAC): the account and region make it unique worldwide, and at most 63 characters (roster.py's lengths)."""
    return f"{student_lab_name(class_name, student_id)}-{account}-{region}"


def student_schedule_group(class_name: str, student_id: str) -> str:
    """The lab's expiry schedule group: `make status` reads the schedule in it (a schedule carries no tags)."""
    return f"{student_lab_name(class_name, student_id)}-expiry"


def class_stackset_name(class_name: str) -> str:
    """A class across accounts: its StackSet, whose stack instances are the students' labs, one per account. Its
    administrator's side is the class's own stack (class_stack_name: the class bucket and the class's end)."""
    return f"{class_name}-labs"


def class_user_path(class_name: str) -> str:
    """The IAM path of the class's users: ListUsers(PathPrefix=...) finds exactly them."""
    return f"/firehose-lab/{class_name}/"


def class_parameter(class_name: str, key: str) -> str:
    """An SSM parameter the class stack writes for its labs to read at deploy time (the shared VPC's ids)."""
    return f"/firehose-lab/{class_name}/{key}"


def lab_instance_parameter(class_name: str, student_id: str) -> str:
    """An SSM parameter a class's lab writes for the class's budget stack to read at deploy time: its instance's id."""
    return class_parameter(class_name, f"labs/{student_id}/instance-id")
