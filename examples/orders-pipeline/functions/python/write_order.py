"""POC-Lambda-1: reads orders from the SQS queue and writes each one to the `orders` table."""
import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "orders"))


def lambda_handler(event, context):
    for record in event["Records"]:
        order = json.loads(record["body"], parse_float=Decimal)
        table.put_item(Item=order)
    return {"written": len(event["Records"])}
