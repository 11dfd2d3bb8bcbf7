"""RecordTransaction: POST /transactions (API Gateway, Lambda proxy integration).

Validates the transaction, stores it in DynamoDB, keeps the raw request in S3 and puts a
"Transaction Recorded" event on the banking event bus, where a rule decides who is told."""
import json
import os
import uuid
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
s3 = boto3.client("s3")
events = boto3.client("events")
BUCKET, BUS = os.environ["BUCKET"], os.environ["EVENT_BUS"]


def _answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def _check(txn):
    if not isinstance(txn, dict):
        return "the body must be a JSON object"
    for field in ("accountId", "type", "amount", "email"):
        if field not in txn:
            return f"missing field: {field}"
    if txn["type"] not in ("credit", "debit"):
        return "type must be credit or debit"
    try:
        amount = Decimal(str(txn["amount"]))
    except InvalidOperation:
        return "amount must be a number"
    if amount <= 0 or amount.as_tuple().exponent < -2:
        return "amount must be positive, with at most two decimals"
    if "@" not in str(txn["email"]):
        return "email must be an email address"
    return None


def lambda_handler(event, context):
    raw = event.get("body") or ""
    try:
        txn = json.loads(raw, parse_float=Decimal)
    except ValueError:
        return _answer(400, {"message": "the body must be JSON"})
    problem = _check(txn)
    if problem:
        return _answer(400, {"message": problem})
    now = datetime.now(timezone.utc)
    record = {"accountId": str(txn["accountId"]), "transactionId": str(uuid.uuid4()), "type": txn["type"],
              "amount": Decimal(str(txn["amount"])), "currency": str(txn.get("currency", "EUR")),
              "email": str(txn["email"]), "description": str(txn.get("description", "")),
              "recordedAt": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    table.put_item(Item=record)
    s3.put_object(Bucket=BUCKET, Key=f"raw/{record['accountId']}/{record['transactionId']}.json",
                  Body=raw.encode(), ContentType="application/json")
    detail = dict(record, amount=float(record["amount"]))
    out = events.put_events(Entries=[{"EventBusName": BUS, "Source": "bank.transactions",
                                      "DetailType": "Transaction Recorded", "Detail": json.dumps(detail),
                                      "Resources": [f"arn:aws:s3:::{BUCKET}/raw/{record['accountId']}/"
                                                    f"{record['transactionId']}.json"]}])
    if out.get("FailedEntryCount"):
        raise RuntimeError(f"PutEvents failed: {out['Entries']}")
    print(json.dumps({"recorded": record["transactionId"], "account": record["accountId"], "type": record["type"]}))
    return _answer(201, {"transactionId": record["transactionId"], "recordedAt": record["recordedAt"]})
