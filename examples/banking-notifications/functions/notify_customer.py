"""NotifyCustomer: the target of the banking bus's notification rule (large amounts, debits).

Reads the mail sender and the SES credentials from Secrets Manager once per execution
environment, then emails the customer with SES. A failure raises: Lambda retries the event,
the function's Errors metric counts it and the CloudWatch alarm tells the operators."""
import json
import os

import boto3

_settings = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET_ID"])["SecretString"])
ses = boto3.client("sesv2", region_name=_settings.get("region"), aws_access_key_id=_settings["accessKeyId"],
                   aws_secret_access_key=_settings["secretAccessKey"])


def lambda_handler(event, context):
    t = event["detail"]
    verb = "debited from" if t["type"] == "debit" else "credited to"
    subject = f"{t['amount']:.2f} {t['currency']} {verb} account {t['accountId']}"
    text = (f"Hello,\n\n{t['amount']:.2f} {t['currency']} was {verb} your account {t['accountId']} "
            f"on {t['recordedAt']}.\nDescription: {t.get('description') or '-'}\nReference: {t['transactionId']}\n\n"
            "If you do not recognise this transaction, call us at once.\n")
    sent = ses.send_email(FromEmailAddress=_settings["sender"], Destination={"ToAddresses": [t["email"]]},
                          Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": text}}}},
                          EmailTags=[{"Name": "transactionType", "Value": t["type"]}])
    print(json.dumps({"notified": t["transactionId"], "messageId": sent["MessageId"], "rule": event.get("resources")}))
    return {"messageId": sent["MessageId"]}
