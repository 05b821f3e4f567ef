"""AWS::SSM::Parameter's Tags as CloudFormation documents them: a JSON object of key-value pairs ("Tags: Json",
CloudFormation resource reference, AWS::SSM::Parameter), unlike most resources' list of Key/Value pairs. moto 5.2.5
hands the object to PutParameter, which expects the list, and the resource fails with a TypeError; here the object
becomes that list, so the parameter is created with its tags (a list, as PutParameter takes, is left as it is).
"""

from __future__ import annotations

from typing import Any

from moto.ssm.models import Parameter

_original_create = Parameter.create_from_cloudformation_json.__func__


def _create_from_cloudformation_json(
    cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
) -> Parameter:
    properties = cloudformation_json.get("Properties", {})
    tags = properties.get("Tags")
    if isinstance(tags, dict):
        listed = [{"Key": key, "Value": value} for key, value in tags.items()]
        cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Tags": listed}}
    return _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


def install() -> None:
    Parameter.create_from_cloudformation_json = classmethod(_create_from_cloudformation_json)
