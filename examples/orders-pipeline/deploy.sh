#!/usr/bin/env bash
# Deploys the orders pipeline with the same aws CLI commands you would run against AWS; only
# --endpoint-url is added. Idempotent: run it again and it changes nothing.
#
#   POST /orders (API Gateway, AWS integration) -> SQS POC-Queue -> POC-Lambda-1 -> DynamoDB orders
#   -> stream (NEW_IMAGE) -> POC-Lambda-2 -> SNS POC-Topic -> email
#
# Usage: ./deploy.sh [python|cpp]     (STRATUS_ENDPOINT, default http://localhost:4566)
set -euo pipefail
cd "$(dirname "$0")"
VARIANT=${1:-python}
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
REGION=$AWS_DEFAULT_REGION
EMAIL=${ORDERS_EMAIL:-orders@example.com}
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
quiet() { "$@" >/dev/null 2>&1; }

ACCOUNT=$(aws sts get-caller-identity --query Account)
echo "account $ACCOUNT, region $REGION, endpoint $ENDPOINT"

# --- Step 1: IAM policies and roles -------------------------------------------------------------
for p in Lambda-Write-DynamoDB Lambda-SNS-Publish Lambda-DynamoDBStreams-Read Lambda-Read-SQS; do
  quiet aws iam get-policy --policy-arn "arn:aws:iam::$ACCOUNT:policy/$p" ||
    aws iam create-policy --policy-name "$p" --policy-document "file://policies/$p.json" >/dev/null
done
role() {  # role NAME TRUST POLICY_ARN...
  local name=$1 trust=$2; shift 2
  quiet aws iam get-role --role-name "$name" ||
    aws iam create-role --role-name "$name" --assume-role-policy-document "file://policies/$trust" >/dev/null
  for arn in "$@"; do aws iam attach-role-policy --role-name "$name" --policy-arn "$arn"; done
}
role Lambda-SQS-DynamoDB lambda-trust.json \
  "arn:aws:iam::$ACCOUNT:policy/Lambda-Write-DynamoDB" "arn:aws:iam::$ACCOUNT:policy/Lambda-Read-SQS" \
  arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
role Lambda-DynamoDBStreams-SNS lambda-trust.json \
  "arn:aws:iam::$ACCOUNT:policy/Lambda-SNS-Publish" "arn:aws:iam::$ACCOUNT:policy/Lambda-DynamoDBStreams-Read" \
  arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
role APIGateway-SQS apigateway-trust.json \
  arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs

# --- Step 2: DynamoDB table with a stream of new images -----------------------------------------
# An `orders` table that already exists is reconciled, not recreated: it must be keyed on
# orderID alone; a missing stream is enabled; a stream without new images stops the deploy.
if quiet aws dynamodb describe-table --table-name orders; then
  KEYS=$(aws dynamodb describe-table --table-name orders --query 'Table.KeySchema[].[AttributeName,KeyType]' | tr -s '\t\n' ' ')
  if [ "$KEYS" != "orderID HASH " ]; then
    echo "deploy.sh: a table named 'orders' exists with key schema: $KEYS" >&2
    echo "  this pipeline needs orderID (HASH) alone; delete it (aws dynamodb delete-table --table-name orders) or deploy elsewhere" >&2
    exit 1
  fi
  VIEW=$(aws dynamodb describe-table --table-name orders --query 'Table.StreamSpecification.StreamEnabled && Table.StreamSpecification.StreamViewType || `none`')
  case "$VIEW" in
    NEW_IMAGE | NEW_AND_OLD_IMAGES) ;;
    none | None | False)
      echo "table orders has no stream: enabling one (NEW_IMAGE)"
      aws dynamodb update-table --table-name orders --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE >/dev/null ;;
    *)
      echo "deploy.sh: table orders has a $VIEW stream; the pipeline reads new images. Run:" >&2
      echo "  aws dynamodb update-table --table-name orders --stream-specification StreamEnabled=false" >&2
      echo "and deploy again (a new NEW_IMAGE stream is then enabled)." >&2
      exit 1 ;;
  esac
else
  aws dynamodb create-table --table-name orders \
    --attribute-definitions AttributeName=orderID,AttributeType=S \
    --key-schema AttributeName=orderID,KeyType=HASH \
    --billing-mode PAY_PER_REQUEST \
    --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE >/dev/null
fi
aws dynamodb wait table-exists --table-name orders
STREAM_ARN=$(aws dynamodb describe-table --table-name orders --query Table.LatestStreamArn)

# --- Step 3: SQS queue; only API Gateway's role may send, only the writer's role may receive ----
QUEUE_POLICY=$(cat <<JSON
{"Version":"2012-10-17","Id":"POC-Queue-policy","Statement":[
 {"Sid":"send","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$ACCOUNT:role/APIGateway-SQS"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:$REGION:$ACCOUNT:POC-Queue"},
 {"Sid":"receive","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$ACCOUNT:role/Lambda-SQS-DynamoDB"},"Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:ChangeMessageVisibility","sqs:GetQueueAttributes"],"Resource":"arn:aws:sqs:$REGION:$ACCOUNT:POC-Queue"}]}
JSON
)
QUEUE_ATTRS=$(python3 -c 'import json,sys; print(json.dumps({"Policy": sys.argv[1]}))' "$QUEUE_POLICY")
QUEUE_URL=$(aws sqs create-queue --queue-name POC-Queue --attributes "$QUEUE_ATTRS" --query QueueUrl)
QUEUE_ARN=$(aws sqs get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names QueueArn --query Attributes.QueueArn)

# --- Step 4: SNS topic with an email subscription ------------------------------------------------
TOPIC_ARN=$(aws sns create-topic --name POC-Topic --query TopicArn)
if ! aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].Endpoint' | grep -qw "$EMAIL"; then
  aws sns subscribe --topic-arn "$TOPIC_ARN" --protocol email --notification-endpoint "$EMAIL" >/dev/null
fi
# On AWS the recipient clicks the link in the confirmation email. Stratus delivers that email to
# its mailbox (GET /_stratus/mailbox); following the link there confirms the subscription.
if aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].SubscriptionArn' |
    grep -q PendingConfirmation; then
  link=$(curl -s "$ENDPOINT/_stratus/mailbox?recipient=$EMAIL" | python3 -c '
import json, re, sys
for m in reversed(json.load(sys.stdin)["messages"]):
    found = re.search(r"https?://\S*Action=ConfirmSubscription\S*", m.get("body", ""))
    if found:
        print(found.group(0)); break')
  [ -n "$link" ] && curl -s -o /dev/null "$link"
fi

# --- Step 5: the two functions and their triggers -------------------------------------------------
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
function_up() {  # function_up NAME ROLE HANDLER RUNTIME ZIP ENV
  local name=$1 role=$2 handler=$3 runtime=$4 zip=$5 env=$6
  if quiet aws lambda get-function --function-name "$name"; then
    aws lambda update-function-code --function-name "$name" --zip-file "fileb://$zip" >/dev/null
    aws lambda wait function-updated-v2 --function-name "$name"
    aws lambda update-function-configuration --function-name "$name" --handler "$handler" --runtime "$runtime" \
      --environment "$env" >/dev/null
  else
    aws lambda create-function --function-name "$name" --role "arn:aws:iam::$ACCOUNT:role/$role" \
      --handler "$handler" --runtime "$runtime" --zip-file "fileb://$zip" --timeout 30 \
      --environment "$env" >/dev/null
  fi
  aws lambda wait function-active-v2 --function-name "$name"
}
if [ "$VARIANT" = cpp ]; then
  bash functions/cpp/build.sh "$build"
  function_up POC-Lambda-1 Lambda-SQS-DynamoDB bootstrap provided.al2023 "$build/write_order.zip" \
    "Variables={TABLE_NAME=orders}"
  function_up POC-Lambda-2 Lambda-DynamoDBStreams-SNS bootstrap provided.al2023 "$build/notify_order.zip" \
    "Variables={TOPIC_ARN=$TOPIC_ARN}"
else
  (cd functions/python && python3 -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],"w"); z.write("write_order.py"); z.close()' "$build/write_order.zip" &&
   python3 -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],"w"); z.write("notify_order.py"); z.close()' "$build/notify_order.zip")
  function_up POC-Lambda-1 Lambda-SQS-DynamoDB write_order.lambda_handler python3.12 "$build/write_order.zip" \
    "Variables={TABLE_NAME=orders}"
  function_up POC-Lambda-2 Lambda-DynamoDBStreams-SNS notify_order.lambda_handler python3.12 "$build/notify_order.zip" \
    "Variables={TOPIC_ARN=$TOPIC_ARN}"
fi
mapping() {  # mapping FUNCTION SOURCE_ARN [extra args]
  local fn=$1 src=$2; shift 2
  if [ -z "$(aws lambda list-event-source-mappings --function-name "$fn" --event-source-arn "$src" --query 'EventSourceMappings[].UUID')" ]; then
    aws lambda create-event-source-mapping --function-name "$fn" --event-source-arn "$src" "$@" >/dev/null
  fi
}
mapping POC-Lambda-1 "$QUEUE_ARN" --batch-size 10
mapping POC-Lambda-2 "$STREAM_ARN" --batch-size 100 --starting-position LATEST

# --- Step 6: REST API: POST /orders -> SQS SendMessage through a mapping template --------------
API_ID=$(aws apigateway get-rest-apis --query "items[?name=='POC-API'].id | [0]")
if [ -z "$API_ID" ] || [ "$API_ID" = None ]; then
  API_ID=$(aws apigateway create-rest-api --name POC-API --endpoint-configuration types=REGIONAL --query id)
fi
ROOT_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id | [0]")
RES_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/orders'].id | [0]")
if [ -z "$RES_ID" ] || [ "$RES_ID" = None ]; then
  RES_ID=$(aws apigateway create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part orders --query id)
fi
aws apigateway put-method --rest-api-id "$API_ID" --resource-id "$RES_ID" --http-method POST \
  --authorization-type NONE >/dev/null 2>&1 || true
aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$RES_ID" --http-method POST \
  --type AWS --integration-http-method POST \
  --uri "arn:aws:apigateway:$REGION:sqs:path/$ACCOUNT/POC-Queue" \
  --credentials "arn:aws:iam::$ACCOUNT:role/APIGateway-SQS" \
  --request-parameters '{"integration.request.header.Content-Type":"'"'application/x-www-form-urlencoded'"'"}' \
  --request-templates '{"application/json":"Action=SendMessage&MessageBody=$input.body"}' \
  --passthrough-behavior NEVER >/dev/null
aws apigateway put-method-response --rest-api-id "$API_ID" --resource-id "$RES_ID" --http-method POST \
  --status-code 200 --response-models '{"application/json":"Empty"}' >/dev/null 2>&1 || true
aws apigateway put-integration-response --rest-api-id "$API_ID" --resource-id "$RES_ID" --http-method POST \
  --status-code 200 --selection-pattern "" --response-templates '{"application/json":""}' >/dev/null
aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name prod >/dev/null

echo "invoke URL: $ENDPOINT/restapis/$API_ID/prod/_user_request_/orders"
