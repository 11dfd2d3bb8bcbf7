"""The user pool's PostConfirmation trigger: tells the operators' SNS topic that a user signed up.

Cognito calls it once the user has confirmed their account (the code from the verification
email); it must return the event for the confirmation to complete."""
import json
import os

import boto3

sns = boto3.client("sns")


def lambda_handler(event, context):
    if event.get("triggerSource") == "PostConfirmation_ConfirmSignUp":
        attrs = event["request"]["userAttributes"]
        sns.publish(TopicArn=os.environ["TOPIC_ARN"], Subject="New user " + event["userName"],
                    Message=json.dumps({"username": event["userName"], "email": attrs.get("email"),
                                        "sub": attrs.get("sub"), "userPoolId": event["userPoolId"]}))
    return event
