"""What the emulator's CloudFormation models share with moto 5.2.5 (moto/cloudformation/parsing.py).

moto finds a template's resource types among the direct subclasses of CloudFormationModel, through lru_caches
filled on first use: defining a model class registers it, and `register_models()` clears those caches in case they
were filled before. The base class already answers `is_created()` with True, right for a resource that exists in a
moto backend as soon as it is created. BackendModel is the rest of what every model says the same way: its type, the
property that names it, its physical id and its Fn::GetAtt attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

Model = TypeVar("Model", bound=CloudFormationModel)


def register_models() -> None:
    """Make moto's cached model lists see every model defined so far (idempotent)."""
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def replace(
    model: type[Model],
    original: Any,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Model:
    """CloudFormation's replacement: the new resource is created, then the old one deleted."""
    replacement = model.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
    original.delete(account_id, region_name)
    return replacement


class BackendModel:
    """A handle on a resource that lives in a moto backend, as moto's CloudFormation sees it.

    Mixed in ahead of CloudFormationModel, which stays each model's direct base (moto only looks there):
        class GlueDatabase(BackendModel, CloudFormationModel):
            CFN_TYPE = "AWS::Glue::Database"
            CFN_NAME_PROPERTY = "DatabaseName"
    A model gives its CloudFormation type, the property that names it ("" when none does), and maps each Fn::GetAtt
    attribute it has to the handle's attribute holding its value; its physical id (Ref) is its `name` unless it
    says otherwise. How it is created, updated and deleted is each model's own.
    """

    CFN_TYPE: ClassVar[str]
    CFN_NAME_PROPERTY: ClassVar[str] = ""
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {}

    name: str

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.CFN_NAME_PROPERTY

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.CFN_ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.CFN_ATTRIBUTES:
            return getattr(self, self.CFN_ATTRIBUTES[attribute_name])
        raise NotImplementedError(f"{attribute_name} is not an attribute of {{0}}")
