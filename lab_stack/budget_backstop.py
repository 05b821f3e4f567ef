"""The class's Budgets backstop: a monthly cost budget whose action stops every lab's instance once the budget is
crossed. A backstop, not the cap: Budgets reads billing data "up to three times a day, typically 8-12 hours after the
previous update" (Cost Management user guide, "Managing your costs with AWS Budgets"), so the class's end (its
schedules) is what bounds a class of hours; the budget catches what the end cannot, a class set to last days that
spends faster than its estimate.

Its own stack, deployed after the labs (`<class>-budget`), because its action names the labs' instances:
- one AWS::Budgets::Budget (COST, MONTHLY, `budgetUsd` US$; a notification at 80 % of it), counting the account's
  whole cost this month: Budgets filters by a tag only once it is an activated cost allocation tag, which AWS lists
  only after the tag has been billed (Billing user guide, "Activating user-defined cost allocation tags"), too late
  for a class;
- one AWS::Budgets::BudgetsAction, RUN_SSM_DOCUMENTS / STOP_EC2_INSTANCES, AUTOMATIC, at 100 % of ACTUAL spend,
  naming every lab's instance. One action for the class, not one per lab: its SsmActionDefinition takes 1 to 100
  InstanceIds (Budgets API reference, SsmActionDefinition; the CloudFormation schema says the same), as many as a
  roster holds (roster.MAX_STUDENTS), while the Cost Management quotas page lists no number of actions per budget
  (only 20,000 budgets per account), so no design here leans on an unstated quota. The labs write their instance's id
  into an SSM parameter (names.lab_instance_parameter) that this stack reads at deploy time: no cross-stack export,
  which would keep a lab's own expiry from deleting it;
- its execution role, assumable by budgets.amazonaws.com for this budget only (aws:SourceAccount, aws:SourceArn:
  Cost Management user guide, "Cross-service confused deputy prevention"), allowed what AWS's own policy for such
  actions allows (AWS managed policy AWSBudgetsActions_RolePolicyForResourceAdministrationWithSSM: start an SSM
  automation, and ec2:StopInstances / DescribeInstanceStatus only when called via ssm.amazonaws.com), narrowed to
  stopping this class's instances (aws:ResourceTag/class) in this region, and not starting them again;
- an SNS topic for its notices: an action needs 1 to 11 subscribers (BudgetsAction Subscribers), and the instructor's
  email is optional; without one the action still runs (it needs no approval) and its notice waits on the topic for
  whoever subscribes to it;
- its own end, with the labs'.
"""

from __future__ import annotations

from datetime import datetime

from aws_cdk import Acknowledgment, Aws, RemovalPolicies, Stack, Tags, Validations
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from lab_stack.lifetime import LabExpiry
from lab_stack.names import CLASS_TAG, class_budget_name, lab_instance_parameter
from lab_stack.outputs import add_outputs
from lab_stack.roster import Roster

BUDGETS_PRINCIPAL = "budgets.amazonaws.com"
# Notices before the stop, and the stop itself, in % of the budget's actual spend.
WARN_AT_PERCENT, STOP_AT_PERCENT = 80, 100


def publish_instance_id(lab: Stack, instance: ec2.Instance, *, class_name: str, student_id: str) -> None:
    """A class's lab writes its instance's id where the class's budget stack reads it (an SSM parameter of its own,
    deleted with the lab)."""
    ssm.StringParameter(
        lab,
        "ClassBudgetInstance",
        parameter_name=lab_instance_parameter(class_name, student_id),
        string_value=instance.instance_id,
        description=f"firehose-lab class {class_name}: {student_id}'s instance, which the class's budget action stops",
    )


def budget_arn(budget_name: str) -> str:
    """A budget's ARN (Service Authorization Reference, AWS Budget Service: budget resource type)."""
    return f"arn:{Aws.PARTITION}:budgets::{Aws.ACCOUNT_ID}:budget/{budget_name}"


class BudgetBackstop(Construct):
    """The budget, its notices' topic, the action that stops every lab's instance, and the role it runs with."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        class_name: str,
        roster: Roster,
        amount_usd: int,
        email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        name = class_budget_name(class_name)
        # The budget's ARN, and its actions' (`budget/<name>/action/<id>`): AWS does not say which one Budgets
        # passes as aws:SourceArn, so both, and nothing of another budget (a `/` ends the name).
        this_budget = [budget_arn(name), f"{budget_arn(name)}/*"]
        from_this_budget = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": this_budget},
        }

        self.topic = sns.Topic(
            self, "Notices", topic_name=name, display_name=f"firehose-lab {class_name}", enforce_ssl=True
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="BudgetsPublishesThisBudgetsNotices",
                principals=[iam.ServicePrincipal(BUDGETS_PRINCIPAL)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=from_this_budget,
            )
        )
        subscribers = [("SNS", self.topic.topic_arn), *([("EMAIL", email)] if email else [])]

        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=amount_usd, unit="USD"),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type="ACTUAL",
                        comparison_operator="GREATER_THAN",
                        threshold=WARN_AT_PERCENT,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=[
                        budgets.CfnBudget.SubscriberProperty(subscription_type=kind, address=address)
                        for kind, address in subscribers
                    ],
                )
            ],
        )
        # Budgets checks that it may publish to the topic ("Invalid SNS topic" otherwise: Cost Management user guide,
        # "Creating an Amazon SNS topic for budget notifications"): the topic's policy first.
        self.budget.node.add_dependency(self.topic.node.find_child("Policy"))

        self.role = iam.Role(
            self,
            "StopRole",
            assumed_by=iam.ServicePrincipal(BUDGETS_PRINCIPAL, conditions=from_this_budget),
            description=f"firehose-lab class {class_name}: AWS Budgets may only stop the class's instances, via SSM",
        )
        via_ssm = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["ssm.amazonaws.com"]}}
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="StartTheStopAutomation",
                actions=["ssm:StartAutomationExecution"],
                resources=[f"arn:{Aws.PARTITION}:ssm:{Aws.REGION}:*:automation-definition/*"],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="StopOnlyTheClassesInstancesViaSsm",
                actions=["ec2:StopInstances"],
                resources=[f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}:instance/*"],
                conditions={**via_ssm, "StringEquals": {f"aws:ResourceTag/{CLASS_TAG}": class_name}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadInstanceStatusViaSsm",
                actions=["ec2:DescribeInstanceStatus"],
                resources=["*"],
                conditions=via_ssm,
            )
        )

        instances = [
            ssm.StringParameter.value_for_string_parameter(self, lab_instance_parameter(class_name, s))
            for s in roster.ids
        ]
        self.action = budgets.CfnBudgetsAction(
            self,
            "StopInstances",
            budget_name=self.budget.ref,
            notification_type="ACTUAL",
            action_type="RUN_SSM_DOCUMENTS",
            action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(type="PERCENTAGE", value=STOP_AT_PERCENT),
            approval_model="AUTOMATIC",
            execution_role_arn=self.role.role_arn,
            definition=budgets.CfnBudgetsAction.DefinitionProperty(
                ssm_action_definition=budgets.CfnBudgetsAction.SsmActionDefinitionProperty(
                    subtype="STOP_EC2_INSTANCES", region=Aws.REGION, instance_ids=instances
                )
            ),
            subscribers=[
                budgets.CfnBudgetsAction.SubscriberProperty(type=kind, address=address) for kind, address in subscribers
            ],
        )
        # The role's permissions before the action that runs with them, and the topic's policy before its notices.
        self.action.node.add_dependency(
            self.role.node.find_child("DefaultPolicy"), self.topic.node.find_child("Policy")
        )
        self._acknowledge()

    def _acknowledge(self) -> None:
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:*:automation-definition/*]",
                reason=(
                    "AWS does not document which Systems Manager automation runbook a STOP_EC2_INSTANCES budget action "
                    "starts (its own managed policy for such roles allows ssm:StartAutomationExecution on '*'): any "
                    "runbook in the class's region, run with this role, can do no more than stop the class's "
                    "instances."
                ),
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]",
                reason=(
                    "The labs' instance ids are the action's to name; the role may stop an instance only if it carries "
                    "this class's tag and only through Systems Manager (aws:CalledVia), and never start one."
                ),
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "ec2:DescribeInstanceStatus names no resource (Service Authorization Reference, Amazon EC2); the "
                    "stop automation reads the class's instances' state with it, and only through Systems Manager."
                ),
            ),
        )


class ClassBudgetStack(Stack):
    """`<class>-budget`: the backstop, its end with the labs', and the outputs a later class-up or class-down keeps."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        class_name: str,
        roster: Roster,
        expires_at: datetime,
        amount_usd: int,
        email: str | None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"firehose-lab class {class_name}: its budget and the action that stops its labs' instances",
            tags={CLASS_TAG: class_name},
        )
        Tags.of(self).add(CLASS_TAG, class_name)
        self.backstop = BudgetBackstop(
            self, "Backstop", class_name=class_name, roster=roster, amount_usd=amount_usd, email=email
        )
        self.expiry = LabExpiry(self, "Expiry", expires_at=expires_at, why=f"the end of class {class_name}'s labs")
        add_outputs(
            self,
            {
                "BudgetName": (class_budget_name(class_name), "The class's AWS Budgets budget"),
                "BudgetUsd": (str(amount_usd), "US$ a month: past it, the budget's action stops every lab's instance"),
                "BudgetEmail": (email or "", "Where the budget's notices go besides its topic (empty: the topic only)"),
                "BudgetTopic": (self.backstop.topic.topic_arn, "SNS topic of the budget's notices: subscribe to it"),
            },
        )
        RemovalPolicies.of(self).destroy()
