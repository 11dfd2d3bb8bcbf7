"""The profile functions of the user-management API: one module, four Lambda functions (one
handler each), behind API Gateway REST methods protected by the Cognito user pool authorizer.

API Gateway has already checked the caller's ID token; its claims arrive in
event["requestContext"]["authorizer"]["claims"] ("sub", "email", "cognito:username", ...).
A profile is keyed by the caller's `sub`, so a user can only create and change their own."""
import json
import os
import time

import boto3
from botocore.exceptions import ClientError

table = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "UserProfiles"))
EDITABLE = ("displayName", "bio", "location")


def _answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def _claims(event):
    return (event.get("requestContext") or {}).get("authorizer", {}).get("claims", {})


def _fields(event):
    try:
        body = json.loads(event.get("body") or "{}")
    except ValueError:
        return None, _answer(400, {"message": "the body must be a JSON object"})
    if not isinstance(body, dict):
        return None, _answer(400, {"message": "the body must be a JSON object"})
    unknown = sorted(set(body) - set(EDITABLE))
    if unknown:
        return None, _answer(400, {"message": "unknown fields: " + ", ".join(unknown)})
    if any(not isinstance(v, str) or len(v) > 256 for v in body.values()):
        return None, _answer(400, {"message": "fields are strings of at most 256 characters"})
    return body, None


def create_profile(event, context):
    """POST /users: the caller's own profile, from the token's claims and the body's fields."""
    claims = _claims(event)
    fields, error = _fields(event)
    if error:
        return error
    now = int(time.time())
    item = {"userId": claims["sub"], "username": claims.get("cognito:username", ""),
            "email": claims.get("email", ""), "createdAt": now, "updatedAt": now, **fields}
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(userId)")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return _answer(409, {"message": "this user already has a profile"})
        raise
    return _answer(201, _plain(item))


def get_profile(event, context):
    """GET /users/{userId}: any signed-in user may read any profile."""
    user_id = event["pathParameters"]["userId"]
    item = table.get_item(Key={"userId": user_id}).get("Item")
    if item is None:
        return _answer(404, {"message": "no profile for " + user_id})
    return _answer(200, _plain(item))


def update_profile(event, context):
    """PUT /users/{userId}: only the profile's owner may change it."""
    user_id = event["pathParameters"]["userId"]
    if user_id != _claims(event).get("sub"):
        return _answer(403, {"message": "you can only change your own profile"})
    fields, error = _fields(event)
    if error:
        return error
    if not fields:
        return _answer(400, {"message": "nothing to change"})
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values = {f":v{i}": fields[k] for i, k in enumerate(fields)}
    values[":now"] = int(time.time())
    sets = ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
    try:
        out = table.update_item(Key={"userId": user_id}, UpdateExpression=f"SET {sets}, updatedAt = :now",
                                ConditionExpression="attribute_exists(userId)", ExpressionAttributeNames=names,
                                ExpressionAttributeValues=values, ReturnValues="ALL_NEW")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return _answer(404, {"message": "no profile for " + user_id})
        raise
    return _answer(200, _plain(out["Attributes"]))


def list_profiles(event, context):
    """GET /users[?limit=N&next=TOKEN]: one page of profiles."""
    params = event.get("queryStringParameters") or {}
    try:
        limit = min(max(int(params.get("limit", "25")), 1), 100)
    except ValueError:
        return _answer(400, {"message": "limit must be a number"})
    kwargs = {"Limit": limit}
    if params.get("next"):
        kwargs["ExclusiveStartKey"] = {"userId": params["next"]}
    page = table.scan(**kwargs)
    body = {"users": [_plain(i) for i in page.get("Items", [])]}
    if "LastEvaluatedKey" in page:
        body["next"] = page["LastEvaluatedKey"]["userId"]
    return _answer(200, body)


def _plain(item):
    """DynamoDB numbers come back as Decimal; the API answers plain JSON numbers."""
    return {k: int(v) if k in ("createdAt", "updatedAt") else v for k, v in item.items()}
