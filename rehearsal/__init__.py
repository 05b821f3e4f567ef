"""`make rehearse`: the lab's main job with no AWS account.

rehearse.py drives the phases and reports them; emulator/ is the AWS it runs against (moto plus our gap-fixes);
sandbox.py runs the instance's user-data; student.py is who acts once IAM is enforced (the student, the
instance role's probes); leftovers.py lists what destroy left. No CDK import: the real CDK CLI is driven from outside.
"""
