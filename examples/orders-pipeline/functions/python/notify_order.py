"""POC-Lambda-2: reads new orders from the table's stream and announces each on the SNS topic."""
import json
import os

from decimal import Decimal

import boto3
from boto3.dynamodb.types import TypeDeserializer

sns = boto3.client("sns")
deserialize = TypeDeserializer().deserialize


def plain(value):
    """DynamoDB numbers come back as Decimal; the email shows them as JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def lambda_handler(event, context):
    published = 0
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        image = {k: deserialize(v) for k, v in record["dynamodb"]["NewImage"].items()}
        sns.publish(
            TopicArn=os.environ["TOPIC_ARN"],
            Subject=f"New order {image['orderID']}",
            Message=json.dumps(image, default=plain, sort_keys=True),
        )
        published += 1
    return {"published": published}
