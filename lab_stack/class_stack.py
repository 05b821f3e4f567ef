"""ClassStack: what a class of labs shares in one account. It wires the shared VPC (network.py), the students' group,
policy, boundary and users (student_access.py), the student kit (student_kit.py), the instructor's dashboard
(class_dashboard.py) and the class's own end; each student's lab is a LabStack of its own, placed in the class
(ClassPlacement).

The class ends at one moment, `expires_at`: every lab's expiry schedule fires then and deletes that lab (each may
delete only its own stack, as a lab alone does), the students' boundary allows nothing after it, and CLASS_GRACE later
the class stack's own schedule deletes the class stack, once the labs that stand in its VPC are gone. EventBridge
Scheduler makes one API call per schedule (one target, one input: Scheduler user guide, "Universal targets") and
CloudFormation deletes one stack per DeleteStack, so a single schedule could delete the whole class only through a
program between them holding DeleteStack on every stack of the class; a schedule per stack, all set from the class's
one moment, keeps each deletion to its own stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_cdk import RemovalPolicies, Stack, Tags
from constructs import Construct

from lab_stack.class_dashboard import ClassDashboard
from lab_stack.lifetime import LabExpiry
from lab_stack.names import CLASS_TAG, STUDENT_TAG, class_stack_name
from lab_stack.network import ClassNetwork
from lab_stack.outputs import add_outputs
from lab_stack.roster import Roster
from lab_stack.student_access import StudentAccess
from lab_stack.student_kit import StudentKit

# After the labs' end, the class stack's: a lab's deletion (its bucket emptied first) takes minutes.
CLASS_GRACE = timedelta(hours=1)


def class_stack_expiry(stack: Stack, labs_end: datetime) -> LabExpiry:
    """The class's own stack deletes itself CLASS_GRACE after its labs end, once they are gone (in one account or
    across accounts: stackset_admin.py)."""
    return LabExpiry(
        stack,
        "Expiry",
        expires_at=labs_end + CLASS_GRACE,
        why=f"{CLASS_GRACE.seconds // 3600} h after the class's labs end, once they are gone",
    )


@dataclass(frozen=True)
class ClassPlacement:
    """Where a LabStack stands when it is a student's lab in a class."""

    class_name: str
    student_id: str
    expires_at: datetime

    @property
    def tags(self) -> dict[str, str]:
        """Every resource of the lab carries them: the class policy finds a student's own by them."""
        return {CLASS_TAG: self.class_name, STUDENT_TAG: self.student_id}


class ClassStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, class_name: str, roster: Roster, expires_at: datetime
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"firehose-lab class {class_name}: shared VPC, student logins and policy, dashboard, its end",
            tags={CLASS_TAG: class_name},
        )
        Tags.of(self).add(CLASS_TAG, class_name)
        self.network = ClassNetwork(self, "Network", class_name=class_name)
        self.kit = StudentKit(self, "Kit")
        self.access = StudentAccess(
            self,
            "Students",
            class_name=class_name,
            roster=roster,
            expires_at=expires_at,
            kit_object=self.kit.object_arn,
        )
        self.dashboard = ClassDashboard(
            self, "Dashboard", class_name=class_name, name=class_stack_name(class_name), roster=roster
        )
        self.expiry = class_stack_expiry(self, expires_at)
        add_outputs(
            self,
            {
                "ClassName": (class_name, "The class: its labs are the stacks <class>-<student_id>"),
                "LabsExpireAt": (
                    expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "UTC time every lab of the class deletes itself and the students' access ends",
                ),
                "StudentGroup": (self.access.group.group_name, "IAM group of the class's students"),
            },
        )
        RemovalPolicies.of(self).destroy()
