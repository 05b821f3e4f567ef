"""A template parameter of an SSM type (`AWS::SSM::Parameter::Value<String>`) whose SSM parameter does not exist
fails the stack operation as CloudFormation fails it: a ValidationError naming the parameter ("Unable to fetch
parameters [name] from parameter store for this account."). moto 5.2.5 reads `.value` of the missing parameter and
answers HTTP 500 with an HTML page, which the CDK CLI reports as an XML parse error (a class's lab deployed before its
class stack wrote the shared VPC's ids meets this).

Such a parameter's value is the SSM parameter's name, resolved again at every stack operation (CloudFormation user
guide, "Specify existing resources at runtime with CloudFormation-supplied parameter types": SSM parameter types), so
UsePreviousValue keeps the name. moto 5.2.5 keeps only the resolved value and, given UsePreviousValue, looked that
value up as a name: every second deploy by the CDK CLI (which passes UsePreviousValue for the bootstrap version)
failed "Unable to fetch parameters [33]". Here a stack's previous parameters hold the names of its SSM-typed ones.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import ResourceMap
from moto.ssm.models import ssm_backends

SSM_TYPE = "AWS::SSM::Parameter::"

_original_parse = ResourceMap.parse_ssm_parameter
_original_load_parameters = ResourceMap.load_parameters


def _parse_ssm_parameter(self: ResourceMap, value: str, value_type: str) -> str:
    if ssm_backends[self._account_id][self._region_name].get_parameter(value) is None:
        raise ValidationError(message=f"Unable to fetch parameters [{value}] from parameter store for this account.")
    return _original_parse(self, value, value_type)


def _load_parameters(self: ResourceMap) -> None:
    """Resolve as moto does, remembering the name each SSM-typed parameter was resolved from."""
    _original_load_parameters(self)
    slots = self._template.get("Parameters", {})
    self.ssm_parameter_names = {
        key: self.input_parameters.get(key, slot.get("Default"))
        for key, slot in slots.items()
        if str(slot.get("Type", "")).startswith(SSM_TYPE)
    }


def _stack_parameters(self: Stack) -> dict[str, Any]:
    """The values a later operation's UsePreviousValue takes: an SSM-typed parameter's name, others' values."""
    return {**self.resource_map.resolved_parameters, **getattr(self.resource_map, "ssm_parameter_names", {})}


def install() -> None:
    ResourceMap.parse_ssm_parameter = _parse_ssm_parameter
    ResourceMap.load_parameters = _load_parameters
    Stack.stack_parameters = property(_stack_parameters)
