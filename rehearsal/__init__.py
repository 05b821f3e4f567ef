"""`make rehearse`: the lab's main job with no AWS account; `make lab-local`: the same lab kept up until Ctrl-C.

offline_lab.py brings the lab up and takes it down, each step a named, timed phase; rehearse.py runs its checks in
between; lab_local.py keeps it up in between; cli.py is the command line both share (arguments, stop signals, the
phase table, exit codes). emulator/ is the AWS it runs against (moto plus our gap-fixes); sandbox.py runs the
instance's user-data; student.py is who acts once IAM is enforced (the student, the instance role's probes);
leftovers.py lists what destroy left. No CDK import: the real CDK CLI is driven from outside.
"""
