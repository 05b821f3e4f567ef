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
