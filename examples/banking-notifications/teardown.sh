#!/usr/bin/env bash
# Removes everything deploy.sh created (same aws CLI commands as on AWS, plus --endpoint-url).
set -uo pipefail
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
MAIL_DOMAIN=${MAIL_DOMAIN:-example.com}
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
ACCOUNT=$(aws sts get-caller-identity --query Account)
REGION=$AWS_DEFAULT_REGION
BUCKET="banking-transactions-$ACCOUNT"

for plan in $(aws apigateway get-usage-plans --query "items[?name=='banking-partners'].id"); do
  for api in $(aws apigateway get-usage-plan --usage-plan-id "$plan" --query 'apiStages[].apiId'); do
    aws apigateway update-usage-plan --usage-plan-id "$plan" --patch-operations "op=remove,path=/apiStages,value=$api:prod" >/dev/null
  done
  aws apigateway delete-usage-plan --usage-plan-id "$plan"
done
for key in $(aws apigateway get-api-keys --name-query banking-partner --query "items[?name=='banking-partner'].id"); do
  aws apigateway delete-api-key --api-key "$key"
done
for api in $(aws apigateway get-rest-apis --query "items[?name=='BankingAPI'].id"); do
  aws apigateway delete-rest-api --rest-api-id "$api"
done
aws cloudwatch delete-alarms --alarm-names NotifyCustomer-Errors
aws events remove-targets --rule notify-customer --event-bus-name banking --ids NotifyCustomer >/dev/null 2>&1
aws events delete-rule --name notify-customer --event-bus-name banking 2>/dev/null
aws events delete-event-bus --name banking 2>/dev/null
for fn in RecordTransaction NotifyCustomer; do
  aws lambda delete-function --function-name "$fn" 2>/dev/null
  aws logs delete-log-group --log-group-name "/aws/lambda/$fn" 2>/dev/null
done
TOPIC_ARN="arn:aws:sns:$REGION:$ACCOUNT:banking-operators"
for sub in $(aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].SubscriptionArn' 2>/dev/null); do
  [ "$sub" = PendingConfirmation ] || aws sns unsubscribe --subscription-arn "$sub"
done
aws sns delete-topic --topic-arn "$TOPIC_ARN"
aws secretsmanager delete-secret --secret-id banking/notifier --force-delete-without-recovery >/dev/null 2>&1
aws sesv2 delete-email-identity --email-identity "$MAIL_DOMAIN" 2>/dev/null
aws dynamodb delete-table --table-name BankTransactions >/dev/null 2>&1
if aws s3api head-bucket --bucket "$BUCKET" 2>/dev/null; then
  # A versioned bucket: every version and delete marker goes before the bucket.
  command aws --endpoint-url "$ENDPOINT" --output json s3api list-object-versions --bucket "$BUCKET" |
    python3 -c 'import json,sys
d = json.load(sys.stdin)
for v in d.get("Versions", []) + d.get("DeleteMarkers", []): print(v["Key"], v["VersionId"])' |
    while read -r key version; do aws s3api delete-object --bucket "$BUCKET" --key "$key" --version-id "$version" >/dev/null; done
  aws s3api delete-bucket --bucket "$BUCKET"
fi
for k in $(aws iam list-access-keys --user-name banking-ses-sender --query 'AccessKeyMetadata[].AccessKeyId' 2>/dev/null); do
  aws iam delete-access-key --user-name banking-ses-sender --access-key-id "$k"
done
aws iam detach-user-policy --user-name banking-ses-sender --policy-arn "arn:aws:iam::$ACCOUNT:policy/Banking-SesSender" 2>/dev/null
aws iam delete-user --user-name banking-ses-sender 2>/dev/null
for role in Banking-Recorder Banking-Notifier; do
  for arn in $(aws iam list-attached-role-policies --role-name "$role" --query 'AttachedPolicies[].PolicyArn' 2>/dev/null); do
    aws iam detach-role-policy --role-name "$role" --policy-arn "$arn"
  done
  aws iam delete-role --role-name "$role" 2>/dev/null
done
for p in Banking-Record Banking-Notify Banking-SesSender; do
  arn="arn:aws:iam::$ACCOUNT:policy/$p"
  for v in $(aws iam list-policy-versions --policy-arn "$arn" --query 'Versions[?!IsDefaultVersion].VersionId' 2>/dev/null); do
    aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"
  done
  aws iam delete-policy --policy-arn "$arn" 2>/dev/null
done
echo "banking notifications removed"
