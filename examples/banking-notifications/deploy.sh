#!/usr/bin/env bash
# Deploys the banking notifications application with the same aws CLI commands you would run
# against AWS; only --endpoint-url is added. Idempotent: run it again and it brings what exists to
# this configuration (or stops and says what to do).
#
#   POST /transactions (API key) -> RecordTransaction -> DynamoDB BankTransactions
#                                                    -> S3 raw record
#                                                    -> EventBridge bus "banking"
#   rule notify-customer (debits, or 1000 and more) -> NotifyCustomer -> Secrets Manager -> SES email
#   CloudWatch alarm on NotifyCustomer's Errors -> SNS banking-operators -> operator email
#
# Usage: ./deploy.sh   (STRATUS_ENDPOINT, default http://localhost:4566; MAIL_DOMAIN; OPERATOR_EMAIL)
set -euo pipefail
cd "$(dirname "$0")"
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
REGION=$AWS_DEFAULT_REGION
MAIL_DOMAIN=${MAIL_DOMAIN:-example.com}          # the SES identity: the bank sends as alerts@<it>
SENDER="alerts@$MAIL_DOMAIN"
OPERATOR_EMAIL=${OPERATOR_EMAIL:-operators@$MAIL_DOMAIN}
THRESHOLD=${NOTIFY_THRESHOLD:-1000}               # credits of this amount and more are notified too
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
quiet() { "$@" >/dev/null 2>&1; }
none() { [ -z "$1" ] || [ "$1" = None ]; }

ACCOUNT=$(aws sts get-caller-identity --query Account)
BUCKET="banking-transactions-$ACCOUNT"
echo "account $ACCOUNT, region $REGION, endpoint $ENDPOINT"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

# --- Step 1: least-privilege policies, the two function roles, the mail-sending user -------------
policy() {  # policy NAME: policies/NAME.json with this deployment's names, as the default version
  sed -e "s/\${ACCOUNT}/$ACCOUNT/g" -e "s/\${REGION}/$REGION/g" -e "s/\${BUCKET}/$BUCKET/g" \
      -e "s/\${SENDER}/$SENDER/g" "policies/$1.json" >"$build/$1.json"
  local arn="arn:aws:iam::$ACCOUNT:policy/$1"
  if quiet aws iam get-policy --policy-arn "$arn"; then
    for v in $(aws iam list-policy-versions --policy-arn "$arn" --query 'Versions[?!IsDefaultVersion].VersionId'); do
      aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"
    done
    aws iam create-policy-version --policy-arn "$arn" --policy-document "file://$build/$1.json" --set-as-default >/dev/null
  else
    aws iam create-policy --policy-name "$1" --policy-document "file://$build/$1.json" >/dev/null
  fi
}
for p in Banking-Record Banking-Notify Banking-SesSender; do policy "$p"; done
role() {  # role NAME POLICY
  quiet aws iam get-role --role-name "$1" ||
    aws iam create-role --role-name "$1" --assume-role-policy-document file://policies/lambda-trust.json >/dev/null
  aws iam update-assume-role-policy --role-name "$1" --policy-document file://policies/lambda-trust.json
  aws iam attach-role-policy --role-name "$1" --policy-arn "arn:aws:iam::$ACCOUNT:policy/$2"
  aws iam attach-role-policy --role-name "$1" --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
}
role Banking-Recorder Banking-Record
role Banking-Notifier Banking-Notify
quiet aws iam get-user --user-name banking-ses-sender || aws iam create-user --user-name banking-ses-sender >/dev/null
aws iam attach-user-policy --user-name banking-ses-sender --policy-arn "arn:aws:iam::$ACCOUNT:policy/Banking-SesSender"

# --- Step 2: storage: the transactions table and the bucket of raw records -------------------------
if quiet aws dynamodb describe-table --table-name BankTransactions; then
  KEYS=$(aws dynamodb describe-table --table-name BankTransactions --query 'Table.KeySchema[].[AttributeName,KeyType]' | tr -s '\t\n' ' ')
  if [ "$KEYS" != "accountId HASH transactionId RANGE " ]; then
    echo "deploy.sh: a table named 'BankTransactions' exists with key schema: $KEYS" >&2
    echo "  this application needs accountId (HASH), transactionId (RANGE); delete it (aws dynamodb delete-table --table-name BankTransactions) or deploy elsewhere" >&2
    exit 1
  fi
else
  aws dynamodb create-table --table-name BankTransactions \
    --attribute-definitions AttributeName=accountId,AttributeType=S AttributeName=transactionId,AttributeType=S \
    --key-schema AttributeName=accountId,KeyType=HASH AttributeName=transactionId,KeyType=RANGE \
    --billing-mode PAY_PER_REQUEST >/dev/null
fi
aws dynamodb wait table-exists --table-name BankTransactions
quiet aws s3api head-bucket --bucket "$BUCKET" || aws s3api create-bucket --bucket "$BUCKET" >/dev/null
aws s3api put-public-access-block --bucket "$BUCKET" --public-access-block-configuration \
  BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
aws s3api put-bucket-versioning --bucket "$BUCKET" --versioning-configuration Status=Enabled

# --- Step 3: SES identity, and the sender's credentials in Secrets Manager -------------------------
# A domain identity: on AWS you publish its DKIM records; Stratus verifies it at once. In the SES
# sandbox both sender and recipients must be verified: the domain covers alerts@ and customers @.
quiet aws sesv2 get-email-identity --email-identity "$MAIL_DOMAIN" ||
  aws sesv2 create-email-identity --email-identity "$MAIL_DOMAIN" >/dev/null
SECRET_ID=banking/notifier
if ! quiet aws secretsmanager describe-secret --secret-id "$SECRET_ID"; then
  for k in $(aws iam list-access-keys --user-name banking-ses-sender --query 'AccessKeyMetadata[].AccessKeyId'); do
    aws iam delete-access-key --user-name banking-ses-sender --access-key-id "$k"
  done
  KEY=$(command aws --endpoint-url "$ENDPOINT" --output json iam create-access-key --user-name banking-ses-sender)
  SETTINGS=$(python3 -c 'import json,sys; k=json.loads(sys.argv[1])["AccessKey"]
print(json.dumps({"sender": sys.argv[2], "region": sys.argv[3], "accessKeyId": k["AccessKeyId"],
                  "secretAccessKey": k["SecretAccessKey"]}))' "$KEY" "$SENDER" "$REGION")
  aws secretsmanager create-secret --name "$SECRET_ID" --description "SES sender and credentials of NotifyCustomer" \
    --secret-string "$SETTINGS" >/dev/null
fi

# --- Step 4: the functions and their log groups ----------------------------------------------------
(cd functions && python3 -c 'import zipfile,sys
for name in sys.argv[2:]:
    with zipfile.ZipFile(f"{sys.argv[1]}/{name}.zip", "w") as z: z.write(f"{name}.py")' "$build" record_transaction notify_customer)
function_up() {  # function_up NAME ROLE HANDLER ZIP ENV
  local name=$1 role=$2 handler=$3 zip=$4 env=$5
  quiet aws logs create-log-group --log-group-name "/aws/lambda/$name" || true
  aws logs put-retention-policy --log-group-name "/aws/lambda/$name" --retention-in-days 30
  if quiet aws lambda get-function --function-name "$name"; then
    aws lambda update-function-code --function-name "$name" --zip-file "fileb://$zip" >/dev/null
    aws lambda wait function-updated-v2 --function-name "$name"
    aws lambda update-function-configuration --function-name "$name" --handler "$handler" --runtime python3.12 \
      --role "arn:aws:iam::$ACCOUNT:role/$role" --environment "$env" >/dev/null
    aws lambda wait function-updated-v2 --function-name "$name"
  else
    aws lambda create-function --function-name "$name" --role "arn:aws:iam::$ACCOUNT:role/$role" \
      --handler "$handler" --runtime python3.12 --zip-file "fileb://$zip" --timeout 15 \
      --environment "$env" >/dev/null
  fi
  aws lambda wait function-active-v2 --function-name "$name"
}
allow() {  # allow FUNCTION STATEMENT PRINCIPAL SOURCE_ARN
  quiet aws lambda remove-permission --function-name "$1" --statement-id "$2" || true
  aws lambda add-permission --function-name "$1" --statement-id "$2" --action lambda:InvokeFunction \
    --principal "$3" --source-arn "$4" >/dev/null
}
function_up RecordTransaction Banking-Recorder record_transaction.lambda_handler "$build/record_transaction.zip" \
  "Variables={TABLE_NAME=BankTransactions,BUCKET=$BUCKET,EVENT_BUS=banking}"
function_up NotifyCustomer Banking-Notifier notify_customer.lambda_handler "$build/notify_customer.zip" \
  "Variables={SECRET_ID=$SECRET_ID}"

# --- Step 5: the event bus and the rule that picks what customers are told -----------------------
quiet aws events describe-event-bus --name banking || aws events create-event-bus --name banking >/dev/null
PATTERN=$(cat <<JSON
{"source": ["bank.transactions"], "detail-type": ["Transaction Recorded"],
 "detail": {"\$or": [{"type": ["debit"]}, {"amount": [{"numeric": [">=", $THRESHOLD]}]}]}}
JSON
)
RULE_ARN=$(aws events put-rule --name notify-customer --event-bus-name banking --event-pattern "$PATTERN" \
  --description "Debits, and credits of $THRESHOLD or more, are emailed to the customer" --state ENABLED --query RuleArn)
aws events put-targets --rule notify-customer --event-bus-name banking \
  --targets "Id=NotifyCustomer,Arn=arn:aws:lambda:$REGION:$ACCOUNT:function:NotifyCustomer" >/dev/null
allow NotifyCustomer eventbridge-notify-customer events.amazonaws.com "$RULE_ARN"

# --- Step 6: operators' topic and the alarm on failed notifications -------------------------------
TOPIC_ARN=$(aws sns create-topic --name banking-operators --query TopicArn)
if ! aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].Endpoint' | grep -qw "$OPERATOR_EMAIL"; then
  aws sns subscribe --topic-arn "$TOPIC_ARN" --protocol email --notification-endpoint "$OPERATOR_EMAIL" >/dev/null
fi
if aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].SubscriptionArn' |
    grep -q PendingConfirmation; then
  link=$(curl -s "$ENDPOINT/_stratus/mailbox?recipient=$OPERATOR_EMAIL" | python3 -c '
import json, re, sys
for m in reversed(json.load(sys.stdin)["messages"]):
    found = re.search(r"https?://\S*Action=ConfirmSubscription\S*", m.get("body", ""))
    if found:
        print(found.group(0)); break')
  [ -n "$link" ] && curl -s -o /dev/null "$link"
fi
aws cloudwatch put-metric-alarm --alarm-name NotifyCustomer-Errors \
  --alarm-description "Customers are not being told of their transactions" \
  --namespace AWS/Lambda --metric-name Errors --dimensions Name=FunctionName,Value=NotifyCustomer \
  --statistic Sum --period 60 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching \
  --alarm-actions "$TOPIC_ARN" --ok-actions "$TOPIC_ARN"

# --- Step 7: REST API POST /transactions, for callers with the API key ----------------------------
API_ID=$(aws apigateway get-rest-apis --query "items[?name=='BankingAPI'].id | [0]")
none "$API_ID" && API_ID=$(aws apigateway create-rest-api --name BankingAPI --endpoint-configuration types=REGIONAL --query id)
ROOT_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id | [0]")
RES_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/transactions'].id | [0]")
none "$RES_ID" && RES_ID=$(aws apigateway create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part transactions --query id)
quiet aws apigateway delete-method --rest-api-id "$API_ID" --resource-id "$RES_ID" --http-method POST || true
aws apigateway put-method --rest-api-id "$API_ID" --resource-id "$RES_ID" --http-method POST \
  --authorization-type NONE --api-key-required >/dev/null
aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$RES_ID" --http-method POST \
  --type AWS_PROXY --integration-http-method POST \
  --uri "arn:aws:apigateway:$REGION:lambda:path/2015-03-31/functions/arn:aws:lambda:$REGION:$ACCOUNT:function:RecordTransaction/invocations" >/dev/null
allow RecordTransaction apigateway-post apigateway.amazonaws.com "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/*/POST/transactions"
aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name prod >/dev/null
PLAN_ID=$(aws apigateway get-usage-plans --query "items[?name=='banking-partners'].id | [0]")
none "$PLAN_ID" && PLAN_ID=$(aws apigateway create-usage-plan --name banking-partners \
  --throttle "burstLimit=${BANKING_BURST_LIMIT:-200},rateLimit=${BANKING_RATE_LIMIT:-100}" --api-stages "apiId=$API_ID,stage=prod" --query id)
KEY_ID=$(aws apigateway get-api-keys --name-query banking-partner --query "items[?name=='banking-partner'].id | [0]")
none "$KEY_ID" && KEY_ID=$(aws apigateway create-api-key --name banking-partner --enabled --query id)
quiet aws apigateway get-usage-plan-key --usage-plan-id "$PLAN_ID" --key-id "$KEY_ID" ||
  aws apigateway create-usage-plan-key --usage-plan-id "$PLAN_ID" --key-id "$KEY_ID" --key-type API_KEY >/dev/null
API_KEY=$(aws apigateway get-api-key --api-key "$KEY_ID" --include-value --query value)

echo "api key: $API_KEY"
echo "invoke URL: $ENDPOINT/restapis/$API_ID/prod/_user_request_/transactions"
