"""SaveUserToDynamoDB: the signed-in page invokes it (with the identity pool's credentials of the
authenticated role) to save the user's details in the HelloUsers table. The table's stream
passes the new user on to StoreUserName."""
import os
import time

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    username, email = event["username"], event["email"]
    table.put_item(Item={"username": username, "email": email, "sub": event.get("sub", ""),
                         "identityId": event.get("identityId", ""), "savedAt": int(time.time())})
    return {"saved": username, "table": table.name}
