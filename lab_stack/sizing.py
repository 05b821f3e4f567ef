"""Sizes of what the lab creates that are no setting: the stack builds with them and `make cost` prices them.
No CDK here (labctl imports this)."""

from __future__ import annotations

# The producer instance's encrypted gp3 root volume (the AL2023 image's own size).
ROOT_VOLUME_GIB = 8

# IAM roles a class makes (tests count them in the synthesized stacks; `make class-check` weighs them against the
# account's roles quota): a lab's delivery, instance, expiry and bucket auto-delete roles; the class stack's flow-log
# and expiry roles; the budget stack's stop and expiry roles.
ROLES_PER_LAB = 4
CLASS_ROLES = 2
BUDGET_ROLES = 2
