"""IAM decisions AWS documents, as a table: each case names its IAM User Guide page (or the service guide that
documents it), the request, the policies, and the decision AWS documents. tests/unit/test_iam_evaluation.py holds
the emulator's engine to them; tests/unit/test_iam_oracle.py holds it and @cloud-copilot/iam-simulate to each other
on them and on generated cases. `oracle_differs` says, from the AWS docs, why that oracle decides a case otherwise;
`oracle_cannot` why a case is not put to it."""

from __future__ import annotations

from dataclasses import dataclass

from rehearsal.emulator.iam import Policies, Principal, Request

ACCOUNT = "111122223333"
OTHER = "444455556666"
ALICE = Principal(f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, "AWS")
BOB = Principal(f"arn:aws:iam::{ACCOUNT}:user/Bob", ACCOUNT, "AWS")
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/lab-role"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/lab-role/student"
SESSION = Principal(SESSION_ARN, ACCOUNT, "AWS")
CAROL = Principal(f"arn:aws:iam::{OTHER}:user/carol", OTHER, "AWS")
ROOT = Principal(f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AWS")
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECT = f"{BUCKET}/report.csv"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Thread"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
IMAGE = "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TARGET_ROLE = f"arn:aws:iam::{ACCOUNT}:role/target"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue1"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:topic1"
USER_TARGET = f"arn:aws:iam::{ACCOUNT}:user/new-user"

ALLOW, EXPLICIT, IMPLICIT, UNEVALUATED = "allow", "explicit deny", "implicit deny", "unevaluated"

# IAM User Guide pages, by their titles.
EVALUATION = "Policy evaluation logic (How AWS enforcement code logic evaluates requests to allow or deny access)"
SINGLE = "Policy evaluation for requests within a single account"
CROSS = "Cross-account policy evaluation logic"
BOUNDARIES = "Permissions boundaries for IAM entities"
SESSIONS = "Session policies (Policies and permissions in IAM)"
SCPS = "Service control policies (AWS Organizations User Guide) / Policy evaluation logic"
OPERATORS = "IAM JSON policy elements: Condition operators"
MULTI = "Single-valued vs. multivalued context keys"
VARIABLES = "IAM policy elements: Variables and tags"
RESOURCE = "IAM JSON policy elements: Resource"
ACTION = "IAM JSON policy elements: Action"
NOTACTION = "IAM JSON policy elements: NotAction"
NOTRESOURCE = "IAM JSON policy elements: NotResource"
PRINCIPAL = "AWS JSON policy elements: Principal"
NOTPRINCIPAL = "AWS JSON policy elements: NotPrincipal"
CONDITION = "IAM JSON policy elements: Condition"
EXTERNAL_ID = "Access to AWS accounts owned by third parties (external ID)"
CONFUSED_DEPUTY = "The confused deputy problem"
KMS = "AWS KMS Developer Guide: Key policies in AWS KMS"
ABAC = "Define permissions based on attributes with ABAC authorization"
MFA = "AWS: Allows MFA-authenticated IAM users to manage their own credentials (example policy)"
DATES = "AWS: Allows access based on date and time (example policy)"
REGIONS = "AWS: Denies access to AWS based on the requested Region (example policy)"
GLOBAL_KEYS = "AWS global condition context keys"
S3_LOGGING = "Amazon S3 User Guide: Enabling Amazon S3 server access logging (bucket policy for the logging service)"


@dataclass(frozen=True)
class Case:
    name: str  # what AWS documents, in a sentence
    page: str
    request: Request
    policies: Policies
    expected: str  # ALLOW, EXPLICIT, IMPLICIT, UNEVALUATED
    oracle_differs: str = ""  # why @cloud-copilot/iam-simulate decides otherwise, from the AWS docs
    oracle_cannot: str = ""  # why the case is not put to it


def policy(*statements: dict, version: str | None = "2012-10-17") -> dict:
    document: dict = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return document


def allow(action, resource="*", **more) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action, resource="*", **more) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def request(action, resource, principal=ALICE, context=None, **more) -> Request:
    return Request(action, resource, principal, context or {}, **more)


def identity(*statements: dict, version: str | None = "2012-10-17") -> Policies:
    return Policies(identity=[policy(*statements, version=version)])


def case(name, page, req, policies, expected, **notes) -> Case:
    return Case(name, page, req, policies, expected, **notes)


GET = request("s3:GetObject", OBJECT)
LIST = "s3:ListBucket"
TAGGED = {"aws:PrincipalTag/job-category": "iamuser-admin"}
SESSION_CONTEXT = {"aws:TokenIssueTime": "2024-05-01T10:00:00Z"}

_EVALUATION = [
    case("an identity-policy Allow allows", EVALUATION, GET, identity(allow("s3:GetObject", OBJECT)), ALLOW),
    case("nothing allows: implicit deny", EVALUATION, GET, identity(allow("s3:PutObject", OBJECT)), IMPLICIT),
    case(
        "an explicit Deny overrides an Allow",
        EVALUATION,
        GET,
        identity(allow("s3:*", "*"), deny("s3:GetObject", OBJECT, Sid="DenyGet")),
        EXPLICIT,
    ),
    case(
        "same account: a bucket policy naming the user allows without any identity policy",
        SINGLE,
        GET,
        Policies(resource=[policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ALICE.arn}))]),
        ALLOW,
    ),
    case(
        "same account: a bucket-policy Deny overrides an identity-policy Allow",
        SINGLE,
        GET,
        Policies(
            identity=[policy(allow("s3:*", "*"))],
            resource=[policy(deny("s3:GetObject", OBJECT, Principal="*"))],
        ),
        EXPLICIT,
    ),
    case(
        "same account: a bucket policy naming the account delegates to identity policies, which allow nothing",
        PRINCIPAL,
        GET,
        Policies(resource=[policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ACCOUNT}))]),
        IMPLICIT,
    ),
    case(
        "same account: a bucket policy naming the account, and an identity policy that allows",
        PRINCIPAL,
        GET,
        Policies(
            identity=[policy(allow("s3:GetObject", OBJECT))],
            resource=[policy(allow("s3:GetObject", OBJECT, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))],
        ),
        ALLOW,
    ),
    case(
        "the root user has full access in its account",
        EVALUATION,
        request("s3:GetObject", OBJECT, ROOT),
        Policies(),
        ALLOW,
        oracle_differs="the oracle gives the root user no access of its own; the evaluation page: 'all requests "
        "are implicitly denied with the exception of the AWS account root user, which has full access'",
    ),
]

_CROSS = [
    case(
        "cross account: the bucket policy allows the account and the identity policy allows",
        CROSS,
        request("s3:GetObject", OBJECT, CAROL, resource_account=ACCOUNT),
        Policies(
            identity=[policy(allow("s3:GetObject", OBJECT))],
            resource=[policy(allow("s3:GetObject", OBJECT, Principal={"AWS": OTHER}))],
        ),
        ALLOW,
    ),
    case(
        "cross account: an identity-policy Allow alone is not enough",
        CROSS,
        request("s3:GetObject", OBJECT, CAROL, resource_account=ACCOUNT),
        identity(allow("s3:GetObject", OBJECT)),
        IMPLICIT,
    ),
    case(
        "cross account: a bucket policy naming the user is not enough without the user's identity policy",
        CROSS,
        request("s3:GetObject", OBJECT, CAROL, resource_account=ACCOUNT),
        Policies(resource=[policy(allow("s3:GetObject", OBJECT, Principal={"AWS": CAROL.arn}))]),
        IMPLICIT,
    ),
    case(
        "cross account: the bucket policy names the role, the role's policy allows",
        CROSS,
        request(
            "s3:GetObject",
            OBJECT,
            Principal(f"arn:aws:sts::{OTHER}:assumed-role/auditor/s1", OTHER, "AWS"),
            resource_account=ACCOUNT,
        ),
        Policies(
            identity=[policy(allow("s3:GetObject", "*"))],
            resource=[policy(allow("s3:GetObject", OBJECT, Principal={"AWS": f"arn:aws:iam::{OTHER}:role/auditor"}))],
        ),
        ALLOW,
    ),
]

_SHIRLEY_BOUNDARY = policy(allow(["s3:*", "cloudwatch:*", "ec2:*"]))
_BOUNDARIES = [
    case(
        "a boundary of S3, CloudWatch and EC2: Shirley cannot create users though her policy allows it",
        BOUNDARIES,
        request("iam:CreateUser", USER_TARGET),
        Policies(identity=[policy(allow("iam:CreateUser"))], boundary=_SHIRLEY_BOUNDARY),
        IMPLICIT,
    ),
    case(
        "within the boundary, the identity policy allows",
        BOUNDARIES,
        GET,
        Policies(identity=[policy(allow("s3:GetObject", OBJECT))], boundary=_SHIRLEY_BOUNDARY),
        ALLOW,
    ),
    case(
        "an explicit Deny in the boundary denies",
        BOUNDARIES,
        GET,
        Policies(identity=[policy(allow("s3:*"))], boundary=policy(allow("*"), deny("s3:GetObject"))),
        EXPLICIT,
    ),
    case(
        "same account: a resource-based policy naming the IAM user is not limited by the boundary",
        EVALUATION,
        request("sqs:SendMessage", QUEUE),
        Policies(
            resource=[policy(allow("sqs:SendMessage", QUEUE, Principal={"AWS": ALICE.arn}))],
            boundary=policy(allow("s3:*")),
        ),
        ALLOW,
    ),
    case(
        "a resource-based policy naming the role ARN is limited by the session's boundary",
        EVALUATION,
        request("sqs:SendMessage", QUEUE, SESSION),
        Policies(
            resource=[policy(allow("sqs:SendMessage", QUEUE, Principal={"AWS": ROLE_ARN}))],
            boundary=policy(allow("s3:*")),
        ),
        IMPLICIT,
    ),
    case(
        "a resource-based policy naming the role session is not limited by the boundary",
        EVALUATION,
        request("sqs:SendMessage", QUEUE, SESSION),
        Policies(
            resource=[policy(allow("sqs:SendMessage", QUEUE, Principal={"AWS": SESSION_ARN}))],
            boundary=policy(allow("s3:*")),
        ),
        ALLOW,
    ),
    case(
        "Principal * with aws:PrincipalArn naming the role: not limited by the boundary",
        EVALUATION,
        request("sqs:SendMessage", QUEUE, SESSION, {"aws:PrincipalArn": ROLE_ARN}),
        Policies(
            resource=[
                policy(
                    allow(
                        "sqs:SendMessage",
                        QUEUE,
                        Principal="*",
                        Condition={"ArnEquals": {"aws:PrincipalArn": ROLE_ARN}},
                    )
                )
            ],
            boundary=policy(allow("s3:*")),
        ),
        ALLOW,
    ),
    case(
        "a Deny with NotPrincipal always denies a principal that has a boundary, even one it names",
        BOUNDARIES,
        GET,
        Policies(
            identity=[policy(allow("s3:*"))],
            resource=[policy(deny("s3:*", OBJECT, NotPrincipal={"AWS": [ALICE.arn, f"arn:aws:iam::{ACCOUNT}:root"]}))],
            boundary=policy(allow("s3:*")),
        ),
        EXPLICIT,
    ),
]

_READ_ONLY_SESSION = [policy(allow("s3:GetObject", f"{BUCKET}/*"))]
_SESSIONS = [
    case(
        "a session policy limits the role: PutObject is outside it",
        SESSIONS,
        request("s3:PutObject", OBJECT, SESSION),
        Policies(identity=[policy(allow("s3:*"))], session=_READ_ONLY_SESSION),
        IMPLICIT,
    ),
    case(
        "within the session policy and the role's policy: allowed",
        SESSIONS,
        request("s3:GetObject", OBJECT, SESSION),
        Policies(identity=[policy(allow("s3:*"))], session=_READ_ONLY_SESSION),
        ALLOW,
    ),
    case(
        "a session policy cannot grant more than the role's policy",
        SESSIONS,
        request("s3:GetObject", OBJECT, SESSION),
        Policies(identity=[policy(allow("s3:ListBucket", BUCKET))], session=_READ_ONLY_SESSION),
        IMPLICIT,
    ),
    case(
        "an explicit Deny in the session policy denies",
        SESSIONS,
        request("s3:GetObject", OBJECT, SESSION),
        Policies(identity=[policy(allow("s3:*"))], session=[policy(allow("*"), deny("s3:GetObject"))]),
        EXPLICIT,
    ),
    case(
        "a resource-based policy naming the role ARN is limited by the session policy",
        EVALUATION,
        request("sqs:SendMessage", QUEUE, SESSION),
        Policies(
            resource=[policy(allow("sqs:SendMessage", QUEUE, Principal={"AWS": ROLE_ARN}))],
            session=_READ_ONLY_SESSION,
        ),
        IMPLICIT,
    ),
    case(
        "a resource-based policy naming the session is not limited by the session policy",
        EVALUATION,
        request("sqs:SendMessage", QUEUE, SESSION),
        Policies(
            resource=[policy(allow("sqs:SendMessage", QUEUE, Principal={"AWS": SESSION_ARN}))],
            session=_READ_ONLY_SESSION,
        ),
        ALLOW,
        oracle_differs="the oracle lets any session policy that does not allow end the evaluation first; the "
        "evaluation page: 'Permissions granted directly to a session are not limited by an implicit deny in an "
        "identity-based policy, a permissions boundary, or session policy'",
    ),
]

_FULL_ACCESS = policy(allow("*"))
_REGION_SCP = policy(
    {
        "Sid": "DenyAllOutsideEU",
        "Effect": "Deny",
        "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}},
    }
)
_SCPS = [
    case(
        "an SCP Deny denies what the identity policy allows",
        SCPS,
        GET,
        Policies(identity=[policy(allow("s3:*"))], scps=[[_FULL_ACCESS], [_FULL_ACCESS, policy(deny("s3:*"))]]),
        EXPLICIT,
    ),
    case(
        "an SCP level that allows only EC2: S3 is denied",
        SCPS,
        GET,
        Policies(identity=[policy(allow("s3:*"))], scps=[[_FULL_ACCESS], [policy(allow("ec2:*"))]]),
        IMPLICIT,
    ),
    case(
        "FullAWSAccess at every level: the identity policy decides",
        SCPS,
        GET,
        Policies(identity=[policy(allow("s3:*"))], scps=[[_FULL_ACCESS], [_FULL_ACCESS]]),
        ALLOW,
    ),
    case(
        "the Region SCP denies S3 outside the allowed Regions",
        REGIONS,
        request("s3:GetObject", OBJECT, context={"aws:RequestedRegion": "us-east-1"}),
        Policies(identity=[policy(allow("*"))], scps=[[_FULL_ACCESS, _REGION_SCP]]),
        EXPLICIT,
    ),
    case(
        "the Region SCP leaves IAM, a global service, alone (NotAction)",
        REGIONS,
        request("iam:CreateUser", USER_TARGET, context={"aws:RequestedRegion": "us-east-1"}),
        Policies(identity=[policy(allow("*"))], scps=[[_FULL_ACCESS, _REGION_SCP]]),
        ALLOW,
    ),
]

_KEYS_MANAGER = allow(
    "iam:*AccessKey*",
    f"arn:aws:iam::{ACCOUNT}:user/*",
    Condition={"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
)
_HOME = policy(
    allow(["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "arn:aws:s3:::*"),
    allow(LIST, BUCKET, Condition={"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}),
    allow("s3:*", [f"{BUCKET}/home/${{aws:username}}", f"{BUCKET}/home/${{aws:username}}/*"]),
)
_MAX_KEYS = allow(LIST, BUCKET, Condition={"NumericLessThanEquals": {"s3:max-keys": "10"}})
_FRESH = allow(
    "iam:*AccessKey*",
    f"arn:aws:iam::{ACCOUNT}:user/*",
    Condition={"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
)
_TLS_ONLY = deny(
    "s3:*", [BUCKET, f"{BUCKET}/*"], Sid="BooleanExample", Condition={"Bool": {"aws:SecureTransport": "false"}}
)
_FROM = allow(
    "iam:*AccessKey*",
    f"arn:aws:iam::{ACCOUNT}:user/*",
    Condition={"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
)
_FINANCE = "arn:aws:someservice:*:111122223333:finance/*"
_FINANCE_VALUE = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
_RUN = "ec2:RunInstances"
_INSTANCE_TYPES = ["t1.*", "t2.*", "m3.*"]
_NO_TEMPORARY = allow("ec2:*", Condition={"Null": {"aws:TokenIssueTime": "true"}})
_KEY_ACCESS = request("iam:CreateAccessKey", USER_TARGET)
_OPERATORS = [
    case(
        "StringEquals on a principal tag the user has",
        OPERATORS,
        request("iam:CreateAccessKey", USER_TARGET, context=TAGGED),
        identity(_KEYS_MANAGER),
        ALLOW,
    ),
    case(
        "StringEquals on a principal tag the user lacks: the key is absent, the condition false",
        OPERATORS,
        _KEY_ACCESS,
        identity(_KEYS_MANAGER),
        IMPLICIT,
    ),
    case(
        "StringLike s3:prefix with ${aws:username}: the user's own home",
        OPERATORS,
        request(LIST, BUCKET, context={"s3:prefix": "home/alice/", "aws:username": "alice"}),
        Policies(identity=[_HOME]),
        ALLOW,
    ),
    case(
        "StringLike s3:prefix with ${aws:username}: another user's home",
        OPERATORS,
        request(LIST, BUCKET, context={"s3:prefix": "home/bob/", "aws:username": "alice"}),
        Policies(identity=[_HOME]),
        IMPLICIT,
    ),
    case(
        "the home policy: objects under the user's own home",
        OPERATORS,
        request("s3:PutObject", f"{BUCKET}/home/alice/notes.txt", context={"aws:username": "alice"}),
        Policies(identity=[_HOME]),
        ALLOW,
    ),
    case(
        "NumericLessThanEquals s3:max-keys 10, asking for 10",
        OPERATORS,
        request(LIST, BUCKET, context={"s3:max-keys": "10"}),
        identity(_MAX_KEYS),
        ALLOW,
    ),
    case(
        "NumericLessThanEquals s3:max-keys 10, asking for 11",
        OPERATORS,
        request(LIST, BUCKET, context={"s3:max-keys": "11"}),
        identity(_MAX_KEYS),
        IMPLICIT,
    ),
    case(
        "DateGreaterThan aws:TokenIssueTime: an IAM user's access keys carry no such key, so denied",
        OPERATORS,
        _KEY_ACCESS,
        identity(_FRESH),
        IMPLICIT,
    ),
    case(
        "DateGreaterThan aws:TokenIssueTime: fresh temporary credentials",
        OPERATORS,
        request("iam:CreateAccessKey", USER_TARGET, SESSION, SESSION_CONTEXT),
        identity(_FRESH),
        ALLOW,
    ),
    case(
        "Bool aws:SecureTransport false: the Deny applies to a plain-HTTP request",
        OPERATORS,
        request("s3:GetObject", OBJECT, context={"aws:SecureTransport": "false"}),
        identity(allow("s3:*"), _TLS_ONLY),
        EXPLICIT,
    ),
    case(
        "Bool aws:SecureTransport false: not to a TLS request",
        OPERATORS,
        request("s3:GetObject", OBJECT, context={"aws:SecureTransport": "true"}),
        identity(allow("s3:*"), _TLS_ONLY),
        ALLOW,
    ),
    case(
        "IpAddress: an address in the range",
        OPERATORS,
        request("iam:CreateAccessKey", USER_TARGET, context={"aws:SourceIp": "203.0.113.7"}),
        identity(_FROM),
        ALLOW,
    ),
    case(
        "IpAddress: an address outside the range",
        OPERATORS,
        request("iam:CreateAccessKey", USER_TARGET, context={"aws:SourceIp": "198.51.100.7"}),
        identity(_FROM),
        IMPLICIT,
    ),
    case(
        "IpAddress: an IPv6 address in the /64",
        OPERATORS,
        request("iam:CreateAccessKey", USER_TARGET, context={"aws:SourceIp": "2001:db8:1234:5678::9"}),
        identity(_FROM),
        ALLOW,
    ),
    case(
        "NotIpAddress with a bare IPv4 address (its /32): an IPv6 caller is not that address",
        OPERATORS,
        request("iam:CreateAccessKey", USER_TARGET, context={"aws:SourceIp": "2001:db8::1"}),
        identity(allow("iam:CreateAccessKey", Condition={"NotIpAddress": {"aws:SourceIp": "198.51.100.1"}})),
        ALLOW,
        oracle_differs="the oracle compares a bare IPv4 policy address with an IPv6 request as not matching even "
        "under NotIpAddress, while it takes the same address written as a /32 range as not containing the caller; "
        "Condition operators: 'If you specify an IP address without the associated routing prefix, IAM uses the "
        "default prefix value of /32'",
    ),
    case(
        "IpAddress on aws:SourceIp the emulator cannot know: refused, never guessed",
        GLOBAL_KEYS,
        _KEY_ACCESS,
        identity(_FROM),
        UNEVALUATED,
        oracle_cannot="the emulator refuses it",
    ),
    case(
        "StringLike lets * run across the colons of an ARN",
        OPERATORS,
        request("s3:GetObject", OBJECT, context={"aws:SourceArn": _FINANCE_VALUE}),
        identity(allow("s3:GetObject", Condition={"StringLike": {"aws:SourceArn": _FINANCE}})),
        ALLOW,
    ),
    case(
        "ArnLike matches each of the six parts on its own: no match",
        OPERATORS,
        request("s3:GetObject", OBJECT, context={"aws:SourceArn": _FINANCE_VALUE}),
        identity(allow("s3:GetObject", Condition={"ArnLike": {"aws:SourceArn": _FINANCE}})),
        IMPLICIT,
    ),
    case(
        "ArnEquals aws:SourceArn naming the topic (SNS to SQS)",
        OPERATORS,
        request("sqs:SendMessage", QUEUE, context={"aws:SourceArn": TOPIC}),
        Policies(
            resource=[
                policy(
                    allow(
                        "SQS:SendMessage",
                        QUEUE,
                        Principal={"AWS": ACCOUNT},
                        Condition={"ArnEquals": {"aws:SourceArn": TOPIC}},
                    )
                )
            ],
            identity=[policy(allow("sqs:*"))],
        ),
        ALLOW,
    ),
    case(
        "ArnLike with ${aws:PrincipalAccount} in the account part of the ARN",
        OPERATORS,
        request("sqs:SendMessage", QUEUE, context={"aws:SourceArn": TOPIC, "aws:PrincipalAccount": ACCOUNT}),
        identity(
            allow(
                "sqs:SendMessage",
                Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:${aws:PrincipalAccount}:*"}},
            )
        ),
        ALLOW,
        oracle_differs="the oracle splits the ARN at every colon, the one inside ${aws:PrincipalAccount} too, so "
        "the account part never matches; Condition operators: 'You can use a policy variable with the ARN "
        "condition operator', each of the six parts matched on its own",
    ),
    case(
        "ArnEquals aws:SourceArn: a user calling directly carries no aws:SourceArn",
        OPERATORS,
        request("sqs:SendMessage", QUEUE),
        Policies(
            resource=[
                policy(
                    allow(
                        "SQS:SendMessage",
                        QUEUE,
                        Principal={"AWS": ALICE.arn},
                        Condition={"ArnEquals": {"aws:SourceArn": TOPIC}},
                    )
                )
            ]
        ),
        IMPLICIT,
    ),
    case(
        "StringLike ec2:InstanceType: the image, which has no instance type, fails the condition",
        OPERATORS,
        request(_RUN, IMAGE),
        identity(allow(_RUN, Condition={"StringLike": {"ec2:InstanceType": _INSTANCE_TYPES}})),
        IMPLICIT,
    ),
    case(
        "StringLikeIfExists ec2:InstanceType: the image passes",
        OPERATORS,
        request(_RUN, IMAGE),
        identity(allow(_RUN, Condition={"StringLikeIfExists": {"ec2:InstanceType": _INSTANCE_TYPES}})),
        ALLOW,
    ),
    case(
        "StringLikeIfExists ec2:InstanceType: a t2 instance passes",
        OPERATORS,
        request(_RUN, INSTANCE, context={"ec2:InstanceType": "t2.micro"}),
        identity(allow(_RUN, Condition={"StringLikeIfExists": {"ec2:InstanceType": _INSTANCE_TYPES}})),
        ALLOW,
    ),
    case(
        "StringLikeIfExists ec2:InstanceType: an m5 instance does not ('.' is a literal dot)",
        OPERATORS,
        request(_RUN, INSTANCE, context={"ec2:InstanceType": "m5.large"}),
        identity(allow(_RUN, Condition={"StringLikeIfExists": {"ec2:InstanceType": _INSTANCE_TYPES}})),
        IMPLICIT,
    ),
    case(
        "Null aws:TokenIssueTime true: an IAM user's own keys",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE),
        identity(_NO_TEMPORARY),
        ALLOW,
    ),
    case(
        "Null aws:TokenIssueTime true: temporary credentials are refused",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, SESSION, SESSION_CONTEXT),
        identity(_NO_TEMPORARY),
        IMPLICIT,
    ),
    case(
        "a Deny with StringNotEqualsIfExists still denies when the tag is missing",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE),
        identity(
            allow("ec2:*"),
            deny("ec2:StopInstances", Condition={"StringNotEqualsIfExists": {"aws:ResourceTag/env": "dev"}}),
        ),
        EXPLICIT,
    ),
    case(
        "StringNotEquals on a key the request lacks is true",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE),
        identity(allow("ec2:StopInstances", Condition={"StringNotEquals": {"aws:ResourceTag/env": "prod"}})),
        ALLOW,
    ),
    case(
        "StringNotLike with two values: neither matches, true",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, context={"aws:ResourceTag/env": "dev"}),
        identity(allow("ec2:StopInstances", Condition={"StringNotLike": {"aws:ResourceTag/env": ["prod*", "stage*"]}})),
        ALLOW,
    ),
    case(
        "StringNotLike with two values: one matches, false",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, context={"aws:ResourceTag/env": "stage-2"}),
        identity(allow("ec2:StopInstances", Condition={"StringNotLike": {"aws:ResourceTag/env": ["prod*", "stage*"]}})),
        IMPLICIT,
    ),
    case(
        "StringEqualsIgnoreCase: values compared without case",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, context={"aws:PrincipalTag/team": "BLUE"}),
        identity(allow("ec2:StopInstances", Condition={"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "blue"}})),
        ALLOW,
    ),
    case(
        "StringEquals: values are case-sensitive",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, context={"aws:PrincipalTag/team": "BLUE"}),
        identity(allow("ec2:StopInstances", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})),
        IMPLICIT,
    ),
    case(
        "condition key names are not case-sensitive",
        CONDITION,
        request("ec2:StopInstances", INSTANCE, context={"aws:principaltag/TEAM": "blue"}),
        identity(allow("ec2:StopInstances", Condition={"StringEquals": {"AWS:PrincipalTag/team": "blue"}})),
        ALLOW,
    ),
    case(
        "BinaryEquals compares the bytes of the base-64 value",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, context={"aws:PrincipalTag/blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}),
        identity(
            allow(
                "ec2:StopInstances",
                Condition={"BinaryEquals": {"aws:PrincipalTag/blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
            )
        ),
        ALLOW,
    ),
    case(
        "several keys in a block must all hold",
        CONDITION,
        request(
            "ec2:StopInstances", INSTANCE, context={"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "eu-west-1"}
        ),
        identity(
            allow(
                "ec2:StopInstances",
                Condition={"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "us-east-1"}},
            )
        ),
        IMPLICIT,
    ),
    case(
        "several values for a key: any one",
        CONDITION,
        request("ec2:StopInstances", INSTANCE, context={"aws:RequestedRegion": "eu-west-1"}),
        identity(
            allow("ec2:StopInstances", Condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}})
        ),
        ALLOW,
    ),
]

_WINDOW = allow(
    "ec2:StopInstances",
    Condition={
        "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
        "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"},
    },
)
_DATES = [
    case(
        "aws:CurrentTime within the dates",
        DATES,
        request("ec2:StopInstances", INSTANCE, context={"aws:CurrentTime": "2020-05-01T12:00:00Z"}),
        identity(_WINDOW),
        ALLOW,
    ),
    case(
        "aws:CurrentTime after the window",
        DATES,
        request("ec2:StopInstances", INSTANCE, context={"aws:CurrentTime": "2021-01-01T00:00:00Z"}),
        identity(_WINDOW),
        IMPLICIT,
    ),
    case(
        "a date in epoch seconds",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, context={"aws:EpochTime": "1500000000"}),
        identity(allow("ec2:StopInstances", Condition={"DateLessThan": {"aws:EpochTime": "1577836800"}})),
        ALLOW,
    ),
    case(
        "an ISO 8601 policy date against a later epoch request time",
        OPERATORS,
        request("ec2:StopInstances", INSTANCE, context={"aws:EpochTime": "1600000000"}),
        identity(allow("ec2:StopInstances", Condition={"DateLessThan": {"aws:EpochTime": "2020-01-01T00:00:00Z"}})),
        IMPLICIT,
        oracle_differs="the oracle reads epoch values as seconds but ISO dates as milliseconds, so it compares "
        "1500000000 s with 1577836800000 ms; Condition operators: date values are 'W3C implementations of the ISO "
        "8601 date formats or in epoch (UNIX) time', one instant either way",
    ),
]

_DELETE_TAGS = "ec2:DeleteTags"
_ONLY_THESE_KEYS = allow(
    _DELETE_TAGS,
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
    Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]},
        "Null": {"aws:TagKeys": "false"},
    },
)
_ALL_WITHOUT_NULL = allow(
    _DELETE_TAGS,
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
    Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
)
_ANY_OF_THESE_KEYS = allow(
    _DELETE_TAGS,
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
    Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
)
_NO_ID_UPDATES = policy(
    allow("dynamodb:PutItem", TABLE),
    deny(
        "dynamodb:PutItem", TABLE, Condition={"ForAnyValue:StringLike": {"dynamodb:Attributes": ["ID", "PostDateTime"]}}
    ),
)


def _tag_keys(*keys: str) -> Request:
    return request(_DELETE_TAGS, INSTANCE, context={"aws:TagKeys": list(keys)})


_MULTI = [
    case(
        "ForAllValues with Null false: one allowed key",
        MULTI,
        _tag_keys("environment"),
        identity(_ONLY_THESE_KEYS),
        ALLOW,
    ),
    case(
        "ForAllValues with Null false: both allowed keys",
        MULTI,
        _tag_keys("environment", "cost-center"),
        identity(_ONLY_THESE_KEYS),
        ALLOW,
    ),
    case(
        "ForAllValues with Null false: a key outside the list",
        MULTI,
        _tag_keys("environment", "dept"),
        identity(_ONLY_THESE_KEYS),
        IMPLICIT,
    ),
    case(
        "ForAllValues with Null false: no aws:TagKeys in the request",
        MULTI,
        request(_DELETE_TAGS, INSTANCE),
        identity(_ONLY_THESE_KEYS),
        IMPLICIT,
    ),
    case(
        "ForAllValues alone is true when the request has no such key",
        MULTI,
        request(_DELETE_TAGS, INSTANCE),
        identity(_ALL_WITHOUT_NULL),
        ALLOW,
    ),
    case(
        "ForAnyValue: one listed key among others",
        MULTI,
        _tag_keys("environment", "dept"),
        identity(_ANY_OF_THESE_KEYS),
        ALLOW,
    ),
    case("ForAnyValue: no listed key", MULTI, _tag_keys("dept"), identity(_ANY_OF_THESE_KEYS), IMPLICIT),
    case(
        "ForAnyValue: no aws:TagKeys in the request",
        MULTI,
        request(_DELETE_TAGS, INSTANCE),
        identity(_ANY_OF_THESE_KEYS),
        IMPLICIT,
    ),
    case(
        "ForAnyValue on an empty set of values is false",
        "Creating a condition that tests multiple key values (set operations)",
        _tag_keys(),
        identity(_ANY_OF_THESE_KEYS),
        IMPLICIT,
    ),
    case(
        "ForAllValues on an empty set of values is true",
        "Creating a condition that tests multiple key values (set operations)",
        _tag_keys(),
        identity(_ALL_WITHOUT_NULL),
        ALLOW,
    ),
    case(
        "ForAnyValue with IfExists is true when the key is missing, as ...IfExists is",
        OPERATORS,
        request(_DELETE_TAGS, INSTANCE),
        identity(
            allow(
                _DELETE_TAGS,
                Condition={"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["environment", "cost-center"]}},
            )
        ),
        ALLOW,
        oracle_differs="the oracle makes ForAnyValue false on a missing key even with IfExists; Condition "
        "operators: 'You can add IfExists to the end of any condition operator name except the Null condition ... "
        "If the key is not present, evaluate the condition element as true'",
    ),
    case(
        "ForAnyValue:StringLike Deny: a request updating PostDateTime is denied",
        MULTI,
        request("dynamodb:PutItem", TABLE, context={"dynamodb:Attributes": ["UserName", "Message", "PostDateTime"]}),
        Policies(identity=[_NO_ID_UPDATES]),
        EXPLICIT,
    ),
    case(
        "ForAnyValue:StringLike Deny: a request updating only UserName is not denied",
        MULTI,
        request("dynamodb:PutItem", TABLE, context={"dynamodb:Attributes": ["UserName"]}),
        Policies(identity=[_NO_ID_UPDATES]),
        ALLOW,
    ),
    case(
        "a multivalued key without ForAllValues/ForAnyValue: AWS documents no outcome, refused",
        MULTI,
        _tag_keys("environment"),
        identity(allow(_DELETE_TAGS, INSTANCE, Condition={"StringEquals": {"aws:TagKeys": "environment"}})),
        UNEVALUATED,
        oracle_cannot="the emulator refuses it",
    ),
]

_OWN_BUCKET = allow("s3:*", "arn:aws:s3:::bucket-${aws:username}/*")
_PROJECT = allow(
    "ec2:StopInstances",
    Condition={"StringEquals": {"aws:ResourceTag/project": "${aws:PrincipalTag/project}"}},
)
_TEAM_OBJECTS = deny(
    "s3:GetObject",
    f"{BUCKET}/*",
    Condition={"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}},
)
_VARIABLES = [
    case(
        "Resource bucket-${aws:username}/*: the user's own bucket",
        VARIABLES,
        request("s3:GetObject", "arn:aws:s3:::bucket-alice/a.txt", context={"aws:username": "alice"}),
        identity(_OWN_BUCKET),
        ALLOW,
    ),
    case(
        "Resource bucket-${aws:username}/*: another user's bucket",
        VARIABLES,
        request("s3:GetObject", "arn:aws:s3:::bucket-bob/a.txt", context={"aws:username": "alice"}),
        identity(_OWN_BUCKET),
        IMPLICIT,
    ),
    case(
        "a role session has no aws:username: the Resource with it matches nothing",
        VARIABLES,
        request("s3:GetObject", "arn:aws:s3:::bucket-alice/a.txt", SESSION),
        identity(_OWN_BUCKET),
        IMPLICIT,
    ),
    case(
        "in a 2008-10-17 policy ${aws:username} is literal text",
        VARIABLES,
        request("s3:GetObject", "arn:aws:s3:::bucket-alice/a.txt", context={"aws:username": "alice"}),
        identity(_OWN_BUCKET, version="2008-10-17"),
        IMPLICIT,
        oracle_differs="the oracle substitutes variables whatever the Version; Variables and tags: 'If you don't "
        "include the Version element and set it to an appropriate version date, variables like ${aws:username} are "
        "treated as literal strings in the policy'",
    ),
    case(
        "a policy without Version is 2008-10-17: no variables",
        "IAM JSON policy elements: Version",
        request("s3:GetObject", "arn:aws:s3:::bucket-alice/a.txt", context={"aws:username": "alice"}),
        identity(_OWN_BUCKET, version=None),
        IMPLICIT,
        oracle_differs="the oracle substitutes variables whatever the Version; Variables and tags: 'If you don't "
        "include the Version element and set it to an appropriate version date, variables like ${aws:username} are "
        "treated as literal strings in the policy'",
    ),
    case(
        "a default value stands in for a missing tag",
        VARIABLES,
        request("s3:GetObject", "arn:aws:s3:::lab-none/a.txt"),
        identity(allow("s3:GetObject", "arn:aws:s3:::lab-${aws:PrincipalTag/team, 'none'}/*")),
        ALLOW,
    ),
    case(
        "a default value is not used when the tag is there",
        VARIABLES,
        request("s3:GetObject", "arn:aws:s3:::lab-none/a.txt", context={"aws:PrincipalTag/team": "blue"}),
        identity(allow("s3:GetObject", "arn:aws:s3:::lab-${aws:PrincipalTag/team, 'none'}/*")),
        IMPLICIT,
    ),
    case(
        "${*} is a literal asterisk",
        VARIABLES,
        request(LIST, BUCKET, context={"s3:prefix": "*"}),
        identity(allow(LIST, BUCKET, Condition={"StringLike": {"s3:prefix": "${*}"}})),
        ALLOW,
    ),
    case(
        "${*} does not match other text",
        VARIABLES,
        request(LIST, BUCKET, context={"s3:prefix": "home/"}),
        identity(allow(LIST, BUCKET, Condition={"StringLike": {"s3:prefix": "${*}"}})),
        IMPLICIT,
    ),
    case(
        "${?} is a literal question mark",
        VARIABLES,
        request(LIST, BUCKET, context={"s3:prefix": "a"}),
        identity(allow(LIST, BUCKET, Condition={"StringLike": {"s3:prefix": "${?}"}})),
        IMPLICIT,
    ),
    case(
        "${$} is a literal dollar sign",
        VARIABLES,
        request(LIST, BUCKET, context={"s3:prefix": "${aws:username}"}),
        identity(allow(LIST, BUCKET, Condition={"StringEquals": {"s3:prefix": "${$}{aws:username}"}})),
        ALLOW,
        oracle_differs="the oracle leaves ${$} as the text ${$} under StringEquals; Variables and tags: ${$} is "
        "'use where you need a $ (dollar sign) character', in 'any string where you can use regular policy "
        "variables', which StringEquals is",
    ),
    case(
        "ABAC: the resource's project tag equals the principal's",
        ABAC,
        request(
            "ec2:StopInstances",
            INSTANCE,
            context={"aws:ResourceTag/project": "pegasus", "aws:PrincipalTag/project": "pegasus"},
        ),
        identity(_PROJECT),
        ALLOW,
    ),
    case(
        "ABAC: another project's instance",
        ABAC,
        request(
            "ec2:StopInstances",
            INSTANCE,
            context={"aws:ResourceTag/project": "unicorn", "aws:PrincipalTag/project": "pegasus"},
        ),
        identity(_PROJECT),
        IMPLICIT,
    ),
    case(
        "ABAC: a principal without the tag has no value to compare, no match",
        ABAC,
        request("ec2:StopInstances", INSTANCE, context={"aws:ResourceTag/project": "pegasus"}),
        identity(_PROJECT),
        IMPLICIT,
    ),
    case(
        "a variable with no value: StringNotEquals matches it, so the Deny applies",
        VARIABLES,
        request("s3:GetObject", OBJECT, context={"s3:ExistingObjectTag/Team": "red"}),
        Policies(identity=[policy(allow("s3:*"), _TEAM_OBJECTS)]),
        EXPLICIT,
        oracle_differs="the oracle makes a value with an unresolved variable fail even under StringNotEquals; "
        "Variables and tags ('Policy variables with no value'): 'Inverted condition operators like StringNotEquals "
        "or StringNotLike do match against a null value ... Access is explicitly denied when aws:principaltag/Team "
        "is not set'",
    ),
    case(
        "the same Deny leaves the principal's own team's objects alone",
        VARIABLES,
        request("s3:GetObject", OBJECT, context={"s3:ExistingObjectTag/Team": "red", "aws:PrincipalTag/Team": "red"}),
        Policies(identity=[policy(allow("s3:*"), _TEAM_OBJECTS)]),
        ALLOW,
    ),
    case(
        "a variable with no value in NotResource matches no resource, so the Deny covers every resource",
        VARIABLES,
        request("s3:GetObject", "arn:aws:s3:::home-alice/a.txt", SESSION),
        Policies(
            identity=[
                policy(
                    allow("s3:*"),
                    {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::home-${aws:username}/*"},
                )
            ]
        ),
        EXPLICIT,
        oracle_differs="the oracle takes a NotResource entry it cannot resolve as not excluding the request; "
        "Variables and tags: 'If a variable that has no value in the authorization context is used as part of the "
        "Resource or NotResource element of a policy, the resource that includes a policy variable with no value "
        "will not match any resource'",
    ),
    case(
        "${aws:userid} in a Resource",
        VARIABLES,
        request(
            "s3:GetObject", f"{BUCKET}/AIDAJQABLZS4A3QDU576Q/a.txt", context={"aws:userid": "AIDAJQABLZS4A3QDU576Q"}
        ),
        identity(allow("s3:GetObject", f"{BUCKET}/${{aws:userid}}/*")),
        ALLOW,
    ),
]

_WILDCARDS = [
    case(
        "? is one character: file1.txt",
        RESOURCE,
        request("s3:GetObject", f"{BUCKET}/file1.txt"),
        identity(allow("s3:GetObject", f"{BUCKET}/file?.txt")),
        ALLOW,
    ),
    case(
        "? is one character: not file10.txt",
        RESOURCE,
        request("s3:GetObject", f"{BUCKET}/file10.txt"),
        identity(allow("s3:GetObject", f"{BUCKET}/file?.txt")),
        IMPLICIT,
    ),
    case(
        ". is a literal dot, not any character",
        RESOURCE,
        request("s3:GetObject", "arn:aws:s3:::myxbucket/a.txt"),
        identity(allow("s3:GetObject", "arn:aws:s3:::my.bucket/*")),
        IMPLICIT,
    ),
    case(
        "+ ( ) [ ] are literal characters",
        RESOURCE,
        request("s3:GetObject", f"{BUCKET}/a+b(1)[2].txt"),
        identity(allow("s3:GetObject", f"{BUCKET}/a+b(1)[2].txt")),
        ALLOW,
    ),
    case(
        "+ is not a repetition",
        RESOURCE,
        request("s3:GetObject", f"{BUCKET}/aab.txt"),
        identity(allow("s3:GetObject", f"{BUCKET}/a+b.txt")),
        IMPLICIT,
    ),
    case(
        "action names are not case-sensitive",
        ACTION,
        GET,
        identity(allow("S3:getobject", OBJECT)),
        ALLOW,
    ),
    case(
        "action wildcards: s3:Get* covers GetObject",
        ACTION,
        GET,
        identity(allow("s3:Get*", OBJECT)),
        ALLOW,
    ),
    case(
        "resource ARNs are case-sensitive",
        RESOURCE,
        request("s3:GetObject", f"{BUCKET}/Photos/a.jpg"),
        identity(allow("s3:GetObject", f"{BUCKET}/photos/*")),
        IMPLICIT,
    ),
    case(
        "* runs across slashes: bucket/*/test/* covers 1/2/test/3/object.jpg",
        RESOURCE,
        request("s3:GetObject", f"{BUCKET}/1/2/test/3/object.jpg"),
        identity(allow("s3:GetObject", f"{BUCKET}/*/test/*")),
        ALLOW,
    ),
    case(
        "bucket/*/test/* does not cover 1-test/object.jpg",
        RESOURCE,
        request("s3:GetObject", f"{BUCKET}/1-test/object.jpg"),
        identity(allow("s3:GetObject", f"{BUCKET}/*/test/*")),
        IMPLICIT,
    ),
    case(
        "a * that ends an ARN part expands beyond the colons: arn:aws:ec2:* covers an instance",
        RESOURCE,
        request("ec2:StopInstances", INSTANCE),
        identity(allow("ec2:StopInstances", "arn:aws:ec2:*")),
        ALLOW,
    ),
    case(
        "an action without resource-level permissions is not granted by an ARN (Resource must be *)",
        "Amazon EC2 User Guide: Resource-level permissions (actions that do not support them)",
        request("ec2:DescribeInstances", "*"),
        identity(allow("ec2:DescribeInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*")),
        IMPLICIT,
    ),
    case(
        "Resource * grants an action that takes no resource",
        RESOURCE,
        request("ec2:DescribeInstances", "*"),
        identity(allow("ec2:DescribeInstances")),
        ALLOW,
    ),
]

_SELF_SERVICE = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
]
_MFA = policy(
    allow("s3:*"),
    {
        "Sid": "DenyAllExceptListedIfNoMFA",
        "Effect": "Deny",
        "NotAction": _SELF_SERVICE,
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    },
)
_ONLY_BUCKET = policy(
    allow("s3:*"),
    {"Effect": "Deny", "Action": "s3:*", "NotResource": [BUCKET, f"{BUCKET}/*"]},
)
_NOT_IAM = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
_NOT = [
    case(
        "MFA policy: long-term keys carry no aws:MultiFactorAuthPresent, BoolIfExists denies",
        MFA,
        GET,
        Policies(identity=[_MFA]),
        EXPLICIT,
    ),
    case(
        "MFA policy: a request with MFA",
        MFA,
        request("s3:GetObject", OBJECT, context={"aws:MultiFactorAuthPresent": "true"}),
        Policies(identity=[_MFA]),
        ALLOW,
    ),
    case(
        "MFA policy: the NotAction list stays usable without MFA",
        MFA,
        request("iam:ListMFADevices", f"arn:aws:iam::{ACCOUNT}:user/alice"),
        Policies(identity=[_MFA, policy(allow("iam:ListMFADevices"))]),
        ALLOW,
    ),
    case(
        "Bool aws:MultiFactorAuthPresent true: absent for access keys, so not allowed",
        GLOBAL_KEYS,
        GET,
        identity(allow("s3:GetObject", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
        IMPLICIT,
    ),
    case(
        "NotResource Deny: a bucket other than the listed one is denied",
        NOTRESOURCE,
        request("s3:GetObject", "arn:aws:s3:::other-bucket/a.txt"),
        Policies(identity=[_ONLY_BUCKET]),
        EXPLICIT,
    ),
    case(
        "NotResource Deny: the listed bucket is not",
        NOTRESOURCE,
        GET,
        Policies(identity=[_ONLY_BUCKET]),
        ALLOW,
    ),
    case("NotAction Allow: everything but IAM, so S3", NOTACTION, GET, Policies(identity=[_NOT_IAM]), ALLOW),
    case(
        "NotAction Allow: not IAM",
        NOTACTION,
        request("iam:CreateUser", USER_TARGET),
        Policies(identity=[_NOT_IAM]),
        IMPLICIT,
    ),
]


def _trust(*statements: dict) -> dict:
    return policy(*statements)


_THIRD_PARTY = _trust(
    {
        "Effect": "Allow",
        "Principal": {"AWS": OTHER},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "Unique ID Assigned by Example Corp"}},
    }
)
_ASSUME = policy(allow("sts:AssumeRole", TARGET_ROLE))


def _assume(principal: Principal, context: dict | None = None, account: str | None = None) -> Request:
    return request("sts:AssumeRole", TARGET_ROLE, principal, context, resource_account=account)


_TRUST = [
    case(
        "a third party assumes the role with the external ID",
        EXTERNAL_ID,
        _assume(CAROL, {"sts:ExternalId": "Unique ID Assigned by Example Corp"}, ACCOUNT),
        Policies(identity=[_ASSUME], resource=[_THIRD_PARTY]),
        ALLOW,
    ),
    case(
        "a third party with another external ID is refused",
        EXTERNAL_ID,
        _assume(CAROL, {"sts:ExternalId": "guess"}, ACCOUNT),
        Policies(identity=[_ASSUME], resource=[_THIRD_PARTY]),
        IMPLICIT,
    ),
    case(
        "a third party without the external ID is refused",
        EXTERNAL_ID,
        _assume(CAROL, None, ACCOUNT),
        Policies(identity=[_ASSUME], resource=[_THIRD_PARTY]),
        IMPLICIT,
    ),
    case(
        "same account: a trust policy that does not name the user refuses, whatever the user's policy",
        EVALUATION,
        _assume(ALICE),
        Policies(
            identity=[_ASSUME],
            resource=[
                _trust({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
            ],
        ),
        IMPLICIT,
    ),
    case(
        "same account: a trust policy naming the user suffices",
        EVALUATION,
        _assume(ALICE),
        Policies(resource=[_trust({"Effect": "Allow", "Principal": {"AWS": ALICE.arn}, "Action": "sts:AssumeRole"})]),
        ALLOW,
    ),
    case(
        "same account: a trust policy naming the account, and the user's policy allows",
        EVALUATION,
        _assume(ALICE),
        Policies(
            identity=[_ASSUME],
            resource=[_trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})],
        ),
        ALLOW,
    ),
    case(
        "same account: a trust policy naming the account, and no policy of the user allows",
        EVALUATION,
        _assume(ALICE),
        Policies(resource=[_trust({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})]),
        IMPLICIT,
    ),
    case(
        "a service assumes a role whose trust names it with aws:SourceAccount",
        CONFUSED_DEPUTY,
        _assume(Principal("scheduler.amazonaws.com", None, "Service"), {"aws:SourceAccount": ACCOUNT}, ACCOUNT),
        Policies(
            resource=[
                _trust(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "scheduler.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                    }
                )
            ]
        ),
        ALLOW,
    ),
    case(
        "the same service on behalf of another account is refused",
        CONFUSED_DEPUTY,
        _assume(Principal("scheduler.amazonaws.com", None, "Service"), {"aws:SourceAccount": OTHER}, ACCOUNT),
        Policies(
            resource=[
                _trust(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "scheduler.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                    }
                )
            ]
        ),
        IMPLICIT,
    ),
]

_DECRYPT = request("kms:Decrypt", KEY)
_KEYS = [
    case(
        "a key policy that does not name the user or the account: the user's own policy is not enough",
        KMS,
        _DECRYPT,
        Policies(
            identity=[policy(allow("kms:Decrypt"))],
            resource=[policy(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/key-admin"}))],
        ),
        IMPLICIT,
    ),
    case(
        "the default key policy lets the account's IAM policies decide",
        KMS,
        _DECRYPT,
        Policies(
            identity=[policy(allow("kms:Decrypt"))],
            resource=[
                policy(
                    allow(
                        "kms:*",
                        Sid="Enable IAM User Permissions",
                        Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    )
                )
            ],
        ),
        ALLOW,
    ),
    case(
        "the default key policy, and no IAM policy allows",
        KMS,
        _DECRYPT,
        Policies(resource=[policy(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))]),
        IMPLICIT,
    ),
]

_BOB_ONLY = policy(
    deny(
        "s3:*",
        [BUCKET, f"{BUCKET}/*"],
        NotPrincipal={"AWS": [BOB.arn, f"arn:aws:iam::{ACCOUNT}:root"]},
    )
)
_NOTPRINCIPAL = [
    case(
        "NotPrincipal Deny naming Bob and his account: Bob keeps his access",
        NOTPRINCIPAL,
        request("s3:GetObject", OBJECT, BOB),
        Policies(identity=[policy(allow("s3:*"))], resource=[_BOB_ONLY]),
        ALLOW,
    ),
    case(
        "NotPrincipal Deny: anyone else is denied",
        NOTPRINCIPAL,
        GET,
        Policies(identity=[policy(allow("s3:*"))], resource=[_BOB_ONLY]),
        EXPLICIT,
        oracle_differs="the oracle exempts every principal of an account NotPrincipal lists; NotPrincipal: "
        "'all principals except the user named Bob ... are explicitly denied', the account ARN being listed "
        "only so that Bob's own account is not denied",
    ),
    case(
        "NotPrincipal naming the session and the role but not the account: AWS says the Deny 'might' apply, refused",
        NOTPRINCIPAL,
        request("s3:GetObject", OBJECT, SESSION),
        Policies(
            identity=[policy(allow("s3:*"))],
            resource=[policy(deny("s3:*", [BUCKET, f"{BUCKET}/*"], NotPrincipal={"AWS": [SESSION_ARN, ROLE_ARN]}))],
        ),
        UNEVALUATED,
        oracle_cannot="the emulator refuses it",
    ),
    case(
        "NotPrincipal naming the session, its role and the account: the session keeps its access",
        NOTPRINCIPAL,
        request("s3:GetObject", OBJECT, SESSION),
        Policies(
            identity=[policy(allow("s3:*"))],
            resource=[
                policy(
                    deny(
                        "s3:*",
                        [BUCKET, f"{BUCKET}/*"],
                        NotPrincipal={"AWS": [SESSION_ARN, ROLE_ARN, f"arn:aws:iam::{ACCOUNT}:root"]},
                    )
                )
            ],
        ),
        ALLOW,
    ),
]

_LOGS = policy(
    allow(
        "s3:PutObject",
        "arn:aws:s3:::access-logs/*",
        Sid="S3ServerAccessLogsPolicy",
        Principal={"Service": "logging.s3.amazonaws.com"},
        Condition={
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:::source-bucket"},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    )
)
_LOGGER = Principal("logging.s3.amazonaws.com", None, "Service")
_SERVICES = [
    case(
        "the S3 logging service writes logs of the named source bucket",
        S3_LOGGING,
        request(
            "s3:PutObject",
            "arn:aws:s3:::access-logs/log1",
            _LOGGER,
            {"aws:SourceArn": "arn:aws:s3:::source-bucket", "aws:SourceAccount": ACCOUNT},
            resource_account=ACCOUNT,
        ),
        Policies(resource=[_LOGS]),
        ALLOW,
    ),
    case(
        "the S3 logging service on behalf of another bucket is refused",
        S3_LOGGING,
        request(
            "s3:PutObject",
            "arn:aws:s3:::access-logs/log1",
            _LOGGER,
            {"aws:SourceArn": "arn:aws:s3:::someone-elses", "aws:SourceAccount": ACCOUNT},
            resource_account=ACCOUNT,
        ),
        Policies(resource=[_LOGS]),
        IMPLICIT,
    ),
    case(
        "a service principal without a resource-based policy naming it gets nothing",
        EVALUATION,
        request("s3:PutObject", "arn:aws:s3:::access-logs/log1", _LOGGER, resource_account=ACCOUNT),
        Policies(),
        IMPLICIT,
    ),
]

DOCUMENTED: tuple[Case, ...] = tuple(
    _EVALUATION
    + _CROSS
    + _BOUNDARIES
    + _SESSIONS
    + _SCPS
    + _OPERATORS
    + _DATES
    + _MULTI
    + _VARIABLES
    + _WILDCARDS
    + _NOT
    + _TRUST
    + _KEYS
    + _NOTPRINCIPAL
    + _SERVICES
)
