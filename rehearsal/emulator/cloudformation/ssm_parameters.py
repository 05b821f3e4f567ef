"""A template parameter of an SSM type (`AWS::SSM::Parameter::Value<String>`) whose SSM parameter does not exist
fails the stack operation as CloudFormation fails it: a ValidationError naming the parameter ("Unable to fetch
parameters [name] from parameter store for this account."). moto 5.2.5 reads `.value` of the missing parameter and
answers HTTP 500 with an HTML page, which the CDK CLI reports as an XML parse error (a class's lab deployed before its
class stack wrote the shared VPC's ids meets this).
"""

from __future__ import annotations

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.parsing import ResourceMap
from moto.ssm.models import ssm_backends

_original_parse = ResourceMap.parse_ssm_parameter


def _parse_ssm_parameter(self: ResourceMap, value: str, value_type: str) -> str:
    if ssm_backends[self._account_id][self._region_name].get_parameter(value) is None:
        raise ValidationError(message=f"Unable to fetch parameters [{value}] from parameter store for this account.")
    return _original_parse(self, value, value_type)


def install() -> None:
    ResourceMap.parse_ssm_parameter = _parse_ssm_parameter
