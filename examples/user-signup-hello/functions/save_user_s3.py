"""SaveUserToS3: the signed-in page invokes it to keep the user's details as a JSON document in the
users bucket (users/<username>.json)."""
import json
import os

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    username = event["username"]
    key = f"users/{username}.json"
    body = {k: event.get(k, "") for k in ("username", "email", "sub", "identityId")}
    s3.put_object(Bucket=os.environ["BUCKET"], Key=key, Body=json.dumps(body).encode(),
                  ContentType="application/json")
    return {"saved": username, "bucket": os.environ["BUCKET"], "key": key}
