"""Reading a synthesized template: resources by type, IAM statements, the user-data and the unit it writes."""

from __future__ import annotations

import configparser

from producer import service


def resources_of(template, type_name):
    return template.find_resources(type_name)


def only(template, type_name):
    found = resources_of(template, type_name)
    assert len(found) == 1, f"expected one {type_name}, found {sorted(found)}"
    return next(iter(found.items()))


def logical_id(template, type_name):
    return only(template, type_name)[0]


def all_statements(template):
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        yield from policy["Properties"]["PolicyDocument"]["Statement"]


def statements_of_role(template, role_id):
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            yield from policy["Properties"]["PolicyDocument"]["Statement"]


def role_assumed_by(template, service):
    roles = [
        role_id
        for role_id, role in resources_of(template, "AWS::IAM::Role").items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service") == service
    ]
    assert len(roles) == 1, f"expected one role for {service}, found {roles}"
    return roles[0]


def as_list(value):
    return value if isinstance(value, list) else [value]


def render_user_data(template):
    """The instance's boot script with CloudFormation references shown as ${Ref:X} / ${GetAtt:X.Attr}."""
    _, instance = only(template, "AWS::EC2::Instance")
    parts = instance["Properties"]["UserData"]["Fn::Base64"]["Fn::Join"][1]

    def show(part):
        if isinstance(part, str):
            return part
        if "Ref" in part:
            return f"${{Ref:{part['Ref']}}}"
        if "Fn::GetAtt" in part:
            return f"${{GetAtt:{'.'.join(part['Fn::GetAtt'])}}}"
        if "Fn::Sub" in part:
            return part["Fn::Sub"]
        raise AssertionError(f"unexpected intrinsic in user-data: {part}")

    return "".join(show(part) for part in parts)


def rendered_unit(template) -> configparser.ConfigParser:
    """The systemd unit the user-data writes, parsed as systemd reads its sections."""
    script = render_user_data(template)
    start = script.index(f"cat > {service.UNIT_PATH} <<'UNIT'\n")
    body = script[script.index("\n", start) + 1 : script.index("\nUNIT\n", start)]
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str
    unit.read_string(body)
    return unit
