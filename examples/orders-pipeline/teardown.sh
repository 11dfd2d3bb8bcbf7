#!/usr/bin/env bash
# Removes everything deploy.sh created (same aws CLI commands as on AWS, plus --endpoint-url).
set -uo pipefail
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
ACCOUNT=$(aws sts get-caller-identity --query Account)

for api in $(aws apigateway get-rest-apis --query "items[?name=='POC-API'].id"); do
  aws apigateway delete-rest-api --rest-api-id "$api"
done
for fn in POC-Lambda-1 POC-Lambda-2; do
  for uuid in $(aws lambda list-event-source-mappings --function-name "$fn" --query 'EventSourceMappings[].UUID' 2>/dev/null); do
    aws lambda delete-event-source-mapping --uuid "$uuid" >/dev/null
  done
  aws lambda delete-function --function-name "$fn" 2>/dev/null
done
TOPIC_ARN="arn:aws:sns:$AWS_DEFAULT_REGION:$ACCOUNT:POC-Topic"
for sub in $(aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].SubscriptionArn' 2>/dev/null); do
  [ "$sub" = PendingConfirmation ] || aws sns unsubscribe --subscription-arn "$sub"
done
aws sns delete-topic --topic-arn "$TOPIC_ARN"
QUEUE_URL=$(aws sqs get-queue-url --queue-name POC-Queue --query QueueUrl 2>/dev/null) &&
  aws sqs delete-queue --queue-url "$QUEUE_URL"
aws dynamodb delete-table --table-name orders >/dev/null 2>&1
for role in Lambda-SQS-DynamoDB Lambda-DynamoDBStreams-SNS APIGateway-SQS; do
  for arn in $(aws iam list-attached-role-policies --role-name "$role" --query 'AttachedPolicies[].PolicyArn' 2>/dev/null); do
    aws iam detach-role-policy --role-name "$role" --policy-arn "$arn"
  done
  aws iam delete-role --role-name "$role" 2>/dev/null
done
for p in Lambda-Write-DynamoDB Lambda-SNS-Publish Lambda-DynamoDBStreams-Read Lambda-Read-SQS; do
  aws iam delete-policy --policy-arn "arn:aws:iam::$ACCOUNT:policy/$p" 2>/dev/null
done
echo "orders pipeline removed"
