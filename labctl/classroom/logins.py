"""The students' console sign-in: a one-time password per student, set after the class stack made their users.

Why here and not in a template: a password in a CloudFormation template (or a parameter) is stored by
CloudFormation and shown to whoever can read the stack. CreateLoginProfile with PasswordResetRequired takes the
password once; IAM keeps only what it needs to check it, and the student must choose their own at first sign-in
(IAM user guide, "Managing passwords for IAM users"). The password exists in one place: the student's handout
(handouts.py), readable by the instructor only. (The other way, an AWS::SecretsManager::Secret resolved into the
user's LoginProfile, keeps the password readable in Secrets Manager for the class's life and bills each secret.)

Nothing here prints a password: callers get it only to write the handout.
"""

from __future__ import annotations

import secrets
import string

from botocore.exceptions import ClientError

from lab_stack.names import class_user_path

# Letters and digits without the look-alikes (0/O, 1/l/I), and symbols IAM's password policy counts as symbols
# (IAM user guide, "Set an account password policy": ! @ # $ % ^ & * ( ) _ + - = [ ] { } | ').
LOWER = "".join(c for c in string.ascii_lowercase if c != "l")
UPPER = "".join(c for c in string.ascii_uppercase if c not in "IO")
DIGITS = "23456789"
SYMBOLS = "!@#%*+-="
DEFAULT_LENGTH = 20
IAM_MAX_LENGTH = 128


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
        removed.append("password")
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise
    for key in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
        removed.append("access key")
    return removed


def sign_in_url(iam, account_id: str) -> str:
    """The account's console sign-in page for IAM users: by its alias when it has one (IAM user guide, "Your AWS
    account ID and its alias")."""
    aliases = iam.list_account_aliases().get("AccountAliases", [])
    return f"https://{aliases[0] if aliases else account_id}.signin.aws.amazon.com/console"
