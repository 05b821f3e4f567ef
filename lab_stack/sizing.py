"""Sizes of what the lab creates that are no setting: the stack builds with them and `make cost` prices them.
No CDK here (labctl imports this)."""

from __future__ import annotations

# The producer instance's encrypted gp3 root volume (the AL2023 image's own size).
ROOT_VOLUME_GIB = 8
