"""CloudFormation models for AWS::Athena::WorkGroup and AWS::Athena::NamedQuery (moto 5.2.5 has none).

moto's Athena API works, but a template's workgroup and saved queries were only recorded: `aws athena
list-named-queries` found nothing and no query could run in the lab's workgroup. These models keep both in moto's
Athena backend, so the API, `make query` and the emulator's query engine (queries.py) see what the stack
declared. Deleting a workgroup follows `RecursiveDeleteOption`: true deletes its saved queries and query history
with it, false refuses while it holds any (AWS Athena API, DeleteWorkGroup). Every NamedQuery property, and a
workgroup's Name, replaces the resource when changed, as in CloudFormation.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from moto.athena.models import WorkGroup, athena_backends
from moto.core.common_models import CloudFormationModel

from ..cloudformation import BackendModel, register_models, replace
from .queries import PRIMARY, InvalidRequest, forget


class AthenaWorkGroup(BackendModel, CloudFormationModel):
    """Handle on a workgroup that lives in moto's Athena backend; Ref is its name."""

    CFN_TYPE = "AWS::Athena::WorkGroup"
    CFN_NAME_PROPERTY = "Name"
    CFN_ATTRIBUTES = {
        "CreationTime": "creation_time",
        "WorkGroupConfiguration.EngineVersion.EffectiveEngineVersion": "effective_engine_version",
    }

    def __init__(self, account_id: str, region_name: str, name: str, recursive_delete: bool):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name
        self.recursive_delete = recursive_delete

    @property
    def creation_time(self) -> str:
        return str(self._workgroup().creation_time)

    @property
    def effective_engine_version(self) -> str:
        return self._workgroup().configuration["EngineVersion"]["EffectiveEngineVersion"]

    def _workgroup(self) -> WorkGroup:
        return athena_backends[self.account_id][self.region_name].work_groups[self.name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> AthenaWorkGroup:
        props = copy.deepcopy(cloudformation_json["Properties"])
        backend = athena_backends[account_id][region_name]
        name = props.get("Name", resource_name)
        workgroup = backend.create_work_group(
            name, props.get("WorkGroupConfiguration", {}), props.get("Description", ""), props.get("Tags", [])
        )
        if workgroup is None:
            raise InvalidRequest(f"WorkGroup {name} already exists")
        workgroup.state = props.get("State", "ENABLED")
        workgroup.creation_time = time.time()
        return cls(account_id, region_name, name, bool(props.get("RecursiveDeleteOption")))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: AthenaWorkGroup,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> AthenaWorkGroup:
        props = copy.deepcopy(cloudformation_json["Properties"])
        if props.get("Name", original_resource.name) != original_resource.name:
            return replace(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        backend = athena_backends[account_id][region_name]
        previous = backend.work_groups[original_resource.name]
        workgroup = WorkGroup(
            backend,
            previous.name,
            props.get("WorkGroupConfiguration", {}),
            props.get("Description", ""),
            props.get("Tags", []),
        )
        workgroup.state = props.get("State", "ENABLED")
        workgroup.creation_time = previous.creation_time
        backend.work_groups[previous.name] = workgroup
        original_resource.recursive_delete = bool(props.get("RecursiveDeleteOption"))
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        """DeleteWorkGroup: with RecursiveDeleteOption its saved queries and history go too, without it a
        workgroup holding any is kept (moto's delete loop retries once the saved queries are deleted)."""
        backend = athena_backends[self.account_id][self.region_name]
        if self.name not in backend.work_groups:
            return
        queries = [i for i, q in backend.named_queries.items() if q.workgroup.name == self.name]
        executions = [i for i, e in backend.executions.items() if e.workgroup and e.workgroup.name == self.name]
        if (queries or executions) and not self.recursive_delete:
            raise InvalidRequest(
                f"WorkGroup {self.name} is not empty: {len(queries)} saved queries, {len(executions)} query "
                "executions (RecursiveDeleteOption is false)",
            )
        for query_id in queries:
            del backend.named_queries[query_id]
        for execution_id in executions:
            forget(backend.executions.pop(execution_id))  # one still running writes nothing after its bucket is gone
            backend.query_results.pop(execution_id, None)
        backend.delete_work_group(self.name)


class AthenaNamedQuery(BackendModel, CloudFormationModel):
    """Handle on a saved query in moto's Athena backend; Ref and NamedQueryId are its id."""

    CFN_TYPE = "AWS::Athena::NamedQuery"
    CFN_NAME_PROPERTY = ""  # Name is a label, not the physical id
    CFN_ATTRIBUTES = {"NamedQueryId": "query_id"}

    def __init__(self, account_id: str, region_name: str, query_id: str):
        self.account_id = account_id
        self.region_name = region_name
        self.query_id = query_id

    @property
    def physical_resource_id(self) -> str:
        return self.query_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> AthenaNamedQuery:
        props = cloudformation_json["Properties"]
        backend = athena_backends[account_id][region_name]
        workgroup = props.get("WorkGroup", PRIMARY)
        if workgroup not in backend.work_groups:
            raise InvalidRequest(f"WorkGroup {workgroup} does not exist")
        query_id = backend.create_named_query(
            props.get("Name", resource_name),
            props.get("Description", ""),
            props["Database"],
            props["QueryString"],
            workgroup,
        )
        return cls(account_id, region_name, query_id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: AthenaNamedQuery,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> AthenaNamedQuery:
        return replace(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        """DeleteNamedQuery; one already gone with its workgroup counts as deleted."""
        athena_backends[self.account_id][self.region_name].named_queries.pop(self.query_id, None)


def install() -> None:
    """Make moto's cached model lists see the Athena models (idempotent)."""
    register_models()
