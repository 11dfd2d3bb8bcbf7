#!/usr/bin/env bash
# Removes everything deploy.sh created (same aws CLI commands as on AWS, plus --endpoint-url).
set -uo pipefail
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
ACCOUNT=$(aws sts get-caller-identity --query Account)

for api in $(aws apigateway get-rest-apis --query "items[?name=='UserManagementAPI'].id"); do
  aws apigateway delete-rest-api --rest-api-id "$api"
done
for pool in $(aws cognito-idp list-user-pools --max-results 60 --query "UserPools[?Name=='user-management-pool'].Id"); do
  aws cognito-idp delete-user-pool --user-pool-id "$pool"
done
for fn in CreateUserProfile UpdateUserProfile GetUserProfile ListUserProfiles NotifyUserSignup; do
  aws lambda delete-function --function-name "$fn" 2>/dev/null
done
TOPIC_ARN="arn:aws:sns:$AWS_DEFAULT_REGION:$ACCOUNT:user-signups"
for sub in $(aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].SubscriptionArn' 2>/dev/null); do
  [ "$sub" = PendingConfirmation ] || aws sns unsubscribe --subscription-arn "$sub"
done
aws sns delete-topic --topic-arn "$TOPIC_ARN"
aws dynamodb delete-table --table-name UserProfiles >/dev/null 2>&1
for role in UserProfiles-Writer UserProfiles-Reader UserSignups-Notifier; do
  for arn in $(aws iam list-attached-role-policies --role-name "$role" --query 'AttachedPolicies[].PolicyArn' 2>/dev/null); do
    aws iam detach-role-policy --role-name "$role" --policy-arn "$arn"
  done
  aws iam delete-role --role-name "$role" 2>/dev/null
done
for p in UserProfiles-Write UserProfiles-Read UserSignups-Publish; do
  arn="arn:aws:iam::$ACCOUNT:policy/$p"
  for v in $(aws iam list-policy-versions --policy-arn "$arn" --query 'Versions[?!IsDefaultVersion].VersionId' 2>/dev/null); do
    aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"
  done
  aws iam delete-policy --policy-arn "$arn" 2>/dev/null
done
echo "user-management API removed"
