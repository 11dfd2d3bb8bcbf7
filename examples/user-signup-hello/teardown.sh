#!/usr/bin/env bash
# Removes everything deploy.sh created (same aws CLI commands as on AWS, plus --endpoint-url).
set -uo pipefail
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
ACCOUNT=$(aws sts get-caller-identity --query Account)

for api in $(aws apigateway get-rest-apis --query "items[?name=='HelloAPI'].id"); do
  aws apigateway delete-rest-api --rest-api-id "$api"
done
for pool in $(aws cognito-identity list-identity-pools --max-results 60 \
    --query "IdentityPools[?IdentityPoolName=='hello_identity_pool'].IdentityPoolId"); do
  aws cognito-identity delete-identity-pool --identity-pool-id "$pool"
done
for pool in $(aws cognito-idp list-user-pools --max-results 60 --query "UserPools[?Name=='hello-pool'].Id"); do
  aws cognito-idp delete-user-pool --user-pool-id "$pool"
done
for uuid in $(aws lambda list-event-source-mappings --function-name StoreUserName --query 'EventSourceMappings[].UUID' 2>/dev/null); do
  aws lambda delete-event-source-mapping --uuid "$uuid" >/dev/null
done
for fn in SaveUserToDynamoDB SaveUserToS3 StoreUserName HelloPage; do
  aws lambda delete-function --function-name "$fn" 2>/dev/null
done
for name in $(aws ssm get-parameters-by-path --path /hello/users/ --query 'Parameters[].Name' 2>/dev/null); do
  aws ssm delete-parameter --name "$name"
done
aws dynamodb delete-table --table-name HelloUsers >/dev/null 2>&1
for bucket in "hello-users-$ACCOUNT" "hello-site-$ACCOUNT"; do
  aws s3 rb "s3://$bucket" --force >/dev/null 2>&1
done
for role in HelloSaveToDynamoDB HelloSaveToS3 HelloStoreUserName HelloPage HelloIdentity-Authenticated; do
  for arn in $(aws iam list-attached-role-policies --role-name "$role" --query 'AttachedPolicies[].PolicyArn' 2>/dev/null); do
    aws iam detach-role-policy --role-name "$role" --policy-arn "$arn"
  done
  aws iam delete-role --role-name "$role" 2>/dev/null
done
for p in Hello-SaveDynamoDB Hello-SaveS3 Hello-StoreName Hello-ReadName Hello-InvokeSave; do
  arn="arn:aws:iam::$ACCOUNT:policy/$p"
  for v in $(aws iam list-policy-versions --policy-arn "$arn" --query 'Versions[?!IsDefaultVersion].VersionId' 2>/dev/null); do
    aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"
  done
  aws iam delete-policy --policy-arn "$arn" 2>/dev/null
done
echo "user-signup-hello removed"
