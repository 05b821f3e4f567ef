"""Local AWS emulator for `make rehearse`: moto plus the project's own gap-filling extensions.

No CDK import here: the rehearsal drives the real CDK CLI from the outside.
"""
