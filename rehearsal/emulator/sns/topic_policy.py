"""AWS::SNS::TopicPolicy as a CloudFormation resource (moto 5.2.5 has a model for topics, none for their policies: a
stack's topic policy existed nowhere, and the topic kept its default policy). The policy document becomes the Policy
attribute of each topic it names; deleting it gives each topic back its default policy (CloudFormation template
reference, AWS::SNS::TopicPolicy: "Topics: the ARNs of the topics to which you want to add the policy").
Defining the class registers it with moto (cloudformation/models.py).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.sns.models import sns_backends

from ..cloudformation import BackendModel, register_models


class TopicPolicyModel(BackendModel, CloudFormationModel):
    CFN_TYPE = "AWS::SNS::TopicPolicy"

    def __init__(self, account_id: str, region_name: str, name: str, topics: list[str]):
        self.account_id, self.region_name, self.name, self.topics = account_id, region_name, name, topics

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> TopicPolicyModel:
        props = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        for arn in props["Topics"]:
            backend.get_topic(arn).policy = json.dumps(props["PolicyDocument"])
        return cls(account_id, region_name, resource_name, list(props["Topics"]))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: TopicPolicyModel,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> TopicPolicyModel:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        """Each topic still there gets its default policy back."""
        backend = sns_backends[self.account_id][self.region_name]
        for arn in self.topics:
            if arn in backend.topics:
                topic = backend.topics[arn]
                topic._policy_json = topic._create_default_topic_policy(self.region_name, self.account_id, topic.name)


def install() -> None:
    """Make moto's cached model lists see the model (idempotent)."""
    register_models()
