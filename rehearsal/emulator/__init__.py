"""The rehearsal's AWS: moto (pinned) plus one module per gap this project fills, each with an `install()` and a
docstring naming the moto gap. `server.Emulator` installs them all and serves the result on 127.0.0.1.

No CDK import here: the rehearsal drives the real CDK CLI from the outside.
"""

from .server import ACCOUNT_ID, REGION, TEST_CREDENTIALS, Emulator, unmodelled_types

__all__ = ["ACCOUNT_ID", "REGION", "TEST_CREDENTIALS", "Emulator", "unmodelled_types"]
