"""What the emulator's CloudFormation models share with moto 5.2.5 (moto/cloudformation/parsing.py).

moto finds a template's resource types among the direct subclasses of CloudFormationModel, through lru_caches
filled on first use: defining a model class registers it, and `register_models()` clears those caches in case they
were filled before. The base class already answers `is_created()` with True, right for a resource that exists in a
moto backend as soon as it is created.
"""

from __future__ import annotations

from typing import Any, TypeVar

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

Model = TypeVar("Model", bound=CloudFormationModel)


def register_models() -> None:
    """Make moto's cached model lists see every model defined so far (idempotent)."""
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def replace(model: type[Model], original: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
            account_id: str, region_name: str) -> Model:
    """CloudFormation's replacement: the new resource is created, then the old one deleted."""
    replacement = model.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
    original.delete(account_id, region_name)
    return replacement
