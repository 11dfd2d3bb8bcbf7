"""HelloPage: GET /hello/{username} behind the REST API (Lambda proxy integration). Reads the
user's name from Parameter Store and answers the page that greets them; 404 until it is there."""
import html
import os

import boto3

ssm = boto3.client("ssm")
PREFIX = os.environ.get("PARAMETER_PREFIX", "/hello/users/")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hello {name}</title>
<style>body{{font-family:sans-serif;display:flex;align-items:center;justify-content:center;height:90vh;
background:#f4f6fb}}h1{{font-size:4rem;color:#232f3e}}</style></head>
<body><h1 id="hello">hello {name}</h1></body></html>
"""


def lambda_handler(event, context):
    username = (event.get("pathParameters") or {}).get("username", "")
    try:
        name = ssm.get_parameter(Name=PREFIX + username)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return {"statusCode": 404, "headers": {"Content-Type": "text/plain", "Access-Control-Allow-Origin": "*"},
                "body": "no such user yet"}
    return {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8",
                                           "Access-Control-Allow-Origin": "*"},
            "body": PAGE.format(name=html.escape(name))}
