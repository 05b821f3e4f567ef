"""labctl: the commands a student or instructor runs against a lab, on AWS or in the local rehearsal.

`python -m labctl --help` lists them; each is also a Makefile target (`make verify`, ...). Library code for
the commands lives beside them (toolkit, session, lab), so the rehearsal drives the same code a student runs.
"""
