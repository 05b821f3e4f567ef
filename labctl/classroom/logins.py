"""The students' console sign-in: a one-time password per student, set after the class stack made their users.

Why here and not in a template: a password in a CloudFormation template (or a parameter) is stored by
CloudFormation and shown to whoever can read the stack. CreateLoginProfile with PasswordResetRequired takes the
password once; IAM keeps only what it needs to check it, and the student must choose their own at first sign-in
(IAM user guide, "Managing passwords for IAM users"). The password exists in one place: the student's handout
(handouts.py), readable by the instructor only. (The other way, an AWS::SecretsManager::Secret resolved into the
user's LoginProfile, keeps the password readable in Secrets Manager for the class's life and bills each secret.)

Access keys, for the AWS CLI outside CloudShell, only with `make class-up ACCESS_KEYS=yes`: the guide's commands run
from AWS CloudShell, whose credentials are the student's console session (nothing long-lived to hand out or leak;
IAM user guide, "Manage access keys for IAM users": prefer temporary credentials). Asked for, each new student gets
one key, made here after deploy (never in a template: an AWS::IAM::AccessKey's secret would pass through
CloudFormation), written into their handout only (handouts.py: 0600, O_EXCL, never printed), bounded by the class
policy and boundary like their login (their own lab, nothing after the class's end), and deleted by class-down
before their user (IAM's DeleteUser refuses a user that still has keys).

Nothing here prints a password or a key: callers get them only to write the handout.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from botocore.exceptions import ClientError

from lab_stack.config import ConfigError
from lab_stack.names import class_user_path
from labctl.i18n import N_, _

# Letters and digits without the look-alikes (0/O, 1/l/I), and symbols IAM's password policy counts as symbols
# (IAM user guide, "Set an account password policy": ! @ # $ % ^ & * ( ) _ + - = [ ] { } | ').
LOWER = "".join(c for c in string.ascii_lowercase if c != "l")
UPPER = "".join(c for c in string.ascii_uppercase if c not in "IO")
DIGITS = "23456789"
SYMBOLS = "!@#%*+-="
DEFAULT_LENGTH = 20
IAM_MAX_LENGTH = 128
ACCESS_KEYS_CHOICES = {"yes": True, "no": False}
# What remove_credentials removes, by kind (translated where it is printed).
PASSWORD, ACCESS_KEY = N_("password"), N_("access key")


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    secret: str


@dataclass(frozen=True)
class FirstCredentials:
    password: str
    access_key: AccessKey | None


def parse_access_keys(value: str) -> bool:
    """ACCESS_KEYS (make class-up): yes or no, no by default."""
    choice = ACCESS_KEYS_CHOICES.get(value.strip().lower()) if isinstance(value, str) else None
    if choice is None:
        raise ConfigError(
            _(
                "invalid ACCESS_KEYS={value}: yes or no (yes: each new student also gets an access key for the AWS "
                "CLI, in their handout only; default no)"
            ).format(value=repr(value))
        )
    return choice


def one_time_password(length: int = DEFAULT_LENGTH) -> str:
    """A random password holding every character class (so any account password policy's kinds are met)."""
    classes = (LOWER, UPPER, DIGITS, SYMBOLS)
    alphabet = "".join(classes)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in kind for c in password) for kind in classes):
            return password


def password_length(iam) -> int:
    """At least the account policy's minimum (none set: IAM's default policy, 8)."""
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return DEFAULT_LENGTH
    return min(IAM_MAX_LENGTH, max(DEFAULT_LENGTH, policy.get("MinimumPasswordLength", 0)))


def set_first_password(iam, user_name: str, length: int) -> str | None:
    """A new login profile with a one-time password the student must change at first sign-in; None when the user
    already has one (a password is never replaced silently)."""
    password = one_time_password(length)
    try:
        iam.create_login_profile(UserName=user_name, Password=password, PasswordResetRequired=True)
    except ClientError as error:
        if error.response["Error"]["Code"] == "EntityAlreadyExists":
            return None
        raise
    return password


def first_credentials(iam, user_name: str, length: int, *, access_key: bool) -> FirstCredentials | None:
    """A student's first password and, when asked, their one access key; None when the user has a password already.
    A key that cannot be made takes the new password with it (nothing half-made: the next class-up tries again)."""
    password = set_first_password(iam, user_name, length)
    if password is None or not access_key:
        return None if password is None else FirstCredentials(password, None)
    try:
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
    except BaseException:
        iam.delete_login_profile(UserName=user_name)
        raise
    return FirstCredentials(password, AccessKey(key["AccessKeyId"], key["SecretAccessKey"]))


def class_users(iam, class_name: str) -> list[str]:
    """Every IAM user of the class: the users under its path."""
    users = []
    for page in iam.get_paginator("list_users").paginate(PathPrefix=class_user_path(class_name)):
        users.extend(user["UserName"] for user in page["Users"])
    return users


def remove_credentials(iam, user_name: str) -> list[str]:
    """What IAM's DeleteUser requires gone that no template made: the password, access keys; what was removed (a key
    by its kind only: its id is never printed)."""
    removed = []
    try:
        iam.delete_login_profile(UserName=user_name)
        removed.append(PASSWORD)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
    for key in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
        removed.append(ACCESS_KEY)
    return removed


def sign_in_url(iam, account_id: str) -> str:
    """The account's console sign-in page for IAM users: by its alias when it has one (IAM user guide, "Your AWS
    account ID and its alias")."""
    aliases = iam.list_account_aliases().get("AccountAliases", [])
    return f"https://{aliases[0] if aliases else account_id}.signin.aws.amazon.com/console"
