"""StoreUserName: reads new users from the HelloUsers table's stream and writes each user's name to
Parameter Store (/hello/users/<username>), where the hello page reads it."""
import os

import boto3

ssm = boto3.client("ssm")
PREFIX = os.environ.get("PARAMETER_PREFIX", "/hello/users/")


def lambda_handler(event, context):
    written = 0
    for record in event["Records"]:
        if record["eventName"] not in ("INSERT", "MODIFY"):
            continue
        username = record["dynamodb"]["NewImage"]["username"]["S"]
        ssm.put_parameter(Name=PREFIX + username, Value=username, Type="String", Overwrite=True,
                          Description="the name the hello page greets")
        written += 1
    return {"written": written}
