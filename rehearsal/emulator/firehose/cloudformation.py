"""CloudFormation model for AWS::KinesisFirehose::DeliveryStream (moto 5.2.5 has none).

Without it any Ref/GetAtt to the stream fails the stack. The model maps onto moto's own
firehose backend, so the Firehose API (describe, put_record_batch) sees the stream.
Defining the class registers it with moto (cloudformation/models.py).
"""

import copy
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.firehose.exceptions import ResourceNotFoundException
from moto.firehose.models import firehose_backends

from ..cloudformation import BackendModel, register_models
from . import buffering, settings

# CloudFormation property -> positional name of FirehoseBackend.create_delivery_stream.
_DESTINATIONS = (
    "S3DestinationConfiguration",
    "ExtendedS3DestinationConfiguration",
    "RedshiftDestinationConfiguration",
    "ElasticsearchDestinationConfiguration",
    "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration",
    "SnowflakeDestinationConfiguration",
    "IcebergDestinationConfiguration",
)


class FirehoseDeliveryStream(BackendModel, CloudFormationModel):
    """Handle on a stream that lives in moto's firehose backend."""

    CFN_TYPE = "AWS::KinesisFirehose::DeliveryStream"
    CFN_NAME_PROPERTY = "DeliveryStreamName"
    CFN_ATTRIBUTES = {"Arn": "arn"}

    def __init__(self, account_id: str, region_name: str, name: str, arn: str):
        self.account_id = account_id
        self.region_name = region_name
        self.name = name
        self.arn = arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "FirehoseDeliveryStream":
        props = copy.deepcopy(cloudformation_json["Properties"])
        name = resource_name  # generated names fit the API limit already (cloudformation/generated_names.py)
        if buffering.active():  # names what the emulator cannot honour: the resource's CREATE_FAILED reason
            settings.check({**props, "DeliveryStreamName": name}, account_id, region_name)
        arn = firehose_backends[account_id][region_name].create_delivery_stream(
            region_name,
            name,
            props.get("DeliveryStreamType", "DirectPut"),
            props.get("KinesisStreamSourceConfiguration"),
            props.get("DeliveryStreamEncryptionConfigurationInput"),
            *(props.get(key) for key in _DESTINATIONS),
            props.get("Tags"),
        )
        return cls(account_id, region_name, name, arn)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "FirehoseDeliveryStream",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "FirehoseDeliveryStream":
        """Update the S3 destination in place; anything else is a replacement, as in CloudFormation."""
        props = copy.deepcopy(cloudformation_json["Properties"])
        backend = firehose_backends[account_id][region_name]
        stream = backend.delivery_streams[original_resource.name]
        same_name = props.get("DeliveryStreamName", original_resource.name) == original_resource.name
        same_type = props.get("DeliveryStreamType", "DirectPut") == stream.delivery_stream_type
        destinations = [key for key in _DESTINATIONS if key in props]
        s3_only = destinations in (["S3DestinationConfiguration"], ["ExtendedS3DestinationConfiguration"])
        if same_name and same_type and s3_only:
            backend.update_destination(
                delivery_stream_name=original_resource.name,
                current_delivery_stream_version_id=stream.version_id,
                destination_id=stream.destinations[0]["destination_id"],
                s3_destination_update=props.get("S3DestinationConfiguration"),
                extended_s3_destination_update=props.get("ExtendedS3DestinationConfiguration"),
                s3_backup_mode=None,
                redshift_destination_update=None,
                elasticsearch_destination_update=None,
                splunk_destination_update=None,
                http_endpoint_destination_update=None,
                snowflake_destination_configuration=None,
                iceberg_destination_update=None,
            )
            return original_resource
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        """Called by moto's ResourceMap on stack delete; a stream already gone counts as deleted."""
        try:
            firehose_backends[self.account_id][self.region_name].delete_delivery_stream(self.name)
        except ResourceNotFoundException:
            pass


def install() -> None:
    """Make moto's cached model lists see FirehoseDeliveryStream (idempotent)."""
    register_models()
