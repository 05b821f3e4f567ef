"""CloudFormation models for AWS::Glue::Database and AWS::Glue::Table (moto 5.2.5 has none).

moto's Glue API works (CreateDatabase, GetTable...), but a template's Glue resources were only recorded: nothing
answered `glue get-table`, and Firehose's format conversion and the emulator's Athena had no schema to read. These
models create, update and delete the database and table in moto's own Glue backend, so the API, the conversion and
the queries all see the catalog the stack declared, and `cdk destroy` removes it.
Glue folds database and table names to lowercase when it stores them (Glue API reference, DatabaseInput and
TableInput `Name`: "For Hive compatibility, this is folded to lowercase when it is stored"); so do these models.
Defining the classes registers them with moto (cloudformation/models.py).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.glue.exceptions import EntityNotFoundException
from moto.glue.models import glue_backends

from ..cloudformation import BackendModel, register_models, replace


class GlueDatabase(BackendModel, CloudFormationModel):
    """Handle on a database that lives in moto's Glue backend; Ref is its name."""

    CFN_TYPE = "AWS::Glue::Database"
    CFN_NAME_PROPERTY = "DatabaseName"

    def __init__(self, account_id: str, region_name: str, name: str):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name

    @staticmethod
    def _name(resource_name: str, props: dict[str, Any]) -> str:
        return (props.get("DatabaseInput", {}).get("Name") or props.get("DatabaseName") or resource_name).lower()

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> GlueDatabase:
        props = copy.deepcopy(cloudformation_json["Properties"])
        name = cls._name(resource_name, props)
        glue_backends[account_id][region_name].create_database(name, {**props.get("DatabaseInput", {}), "Name": name})
        return cls(account_id, region_name, name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueDatabase,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> GlueDatabase:
        """Same name: update in place; a new name is a new database (CloudFormation replaces it)."""
        props = copy.deepcopy(cloudformation_json["Properties"])
        name = cls._name(original_resource.name, props)
        if name == original_resource.name:
            database_input = {**props.get("DatabaseInput", {}), "Name": name}
            glue_backends[account_id][region_name].update_database(name, database_input)
            return original_resource
        return replace(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        """Glue deletes a database with its tables; one already gone counts as deleted."""
        try:
            glue_backends[self.account_id][self.region_name].delete_database(self.name)
        except EntityNotFoundException:
            pass


class GlueTable(BackendModel, CloudFormationModel):
    """Handle on a table that lives in moto's Glue backend; Ref is its name."""

    CFN_TYPE = "AWS::Glue::Table"
    CFN_NAME_PROPERTY = ""  # the name is TableInput.Name

    def __init__(self, account_id: str, region_name: str, database_name: str, name: str):
        self.account_id = account_id
        self.region_name = region_name
        self.database_name = database_name
        self.name = name

    @staticmethod
    def _place(resource_name: str, props: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """(database, table name, TableInput with the stored name)."""
        table_input = props["TableInput"]
        name = (table_input.get("Name") or resource_name).lower()
        return props["DatabaseName"].lower(), name, {**table_input, "Name": name}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> GlueTable:
        database, name, table_input = cls._place(resource_name, copy.deepcopy(cloudformation_json["Properties"]))
        glue_backends[account_id][region_name].create_table(database, name, table_input)
        return cls(account_id, region_name, database, name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueTable,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> GlueTable:
        """Same database and name: a new table version (UpdateTable); otherwise a replacement."""
        props = copy.deepcopy(cloudformation_json["Properties"])
        database, name, table_input = cls._place(original_resource.name, props)
        if (database, name) == (original_resource.database_name, original_resource.name):
            glue_backends[account_id][region_name].update_table(database, name, table_input)
            return original_resource
        return replace(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        """A table already gone (with its database, say) counts as deleted."""
        try:
            glue_backends[self.account_id][self.region_name].delete_table(self.database_name, self.name)
        except EntityNotFoundException:
            pass


def install() -> None:
    """Make moto's cached model lists see the Glue models (idempotent)."""
    register_models()
