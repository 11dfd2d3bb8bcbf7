#!/usr/bin/env bash
# Deploys the sign-up-and-hello application with the same aws CLI commands you would run against
# AWS; only --endpoint-url is added. Idempotent: run it again and it brings what exists to this
# configuration (or stops and says what to do).
#
#   web page (S3 static website) -> Cognito sign-up, code by email, confirm, SRP login
#   -> identity pool: temporary credentials of HelloIdentity-Authenticated
#   -> Lambda SaveUserToDynamoDB (HelloUsers) and SaveUserToS3 (hello-users-ACCOUNT)
#   HelloUsers stream -> StoreUserName -> Parameter Store /hello/users/<username>
#   GET /hello/{username} (REST API) -> HelloPage -> "hello <name>"
#
# Usage: ./deploy.sh   (STRATUS_ENDPOINT, default http://localhost:4566). Needs node and npm (the
# page is bundled from npm packages with esbuild).
set -euo pipefail
cd "$(dirname "$0")"
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
REGION=$AWS_DEFAULT_REGION
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
quiet() { "$@" >/dev/null 2>&1; }
none() { [ -z "$1" ] || [ "$1" = None ]; }

ACCOUNT=$(aws sts get-caller-identity --query Account)
USERS_BUCKET="hello-users-$ACCOUNT" SITE_BUCKET="hello-site-$ACCOUNT"
echo "account $ACCOUNT, region $REGION, endpoint $ENDPOINT"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
render() {  # render FILE: a policy document with this deployment's names
  sed -e "s/\${ACCOUNT}/$ACCOUNT/g" -e "s/\${REGION}/$REGION/g" -e "s/\${IDENTITY_POOL_ID}/${IDENTITY_POOL_ID:-}/g" "$1"
}

# --- Step 1: least-privilege policies and a role per function --------------------------------------
policy() {  # policy NAME: the managed policy of policies/NAME.json, as its default version
  render "policies/$1.json" >"$build/$1.json"
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
role() {  # role NAME TRUST_FILE POLICY...
  local name=$1 trust=$2; shift 2
  quiet aws iam get-role --role-name "$name" ||
    aws iam create-role --role-name "$name" --assume-role-policy-document "file://$trust" >/dev/null
  aws iam update-assume-role-policy --role-name "$name" --policy-document "file://$trust"
  for p in "$@"; do
    case $p in service-role/*) arn="arn:aws:iam::aws:policy/$p" ;; *) arn="arn:aws:iam::$ACCOUNT:policy/$p" ;; esac
    aws iam attach-role-policy --role-name "$name" --policy-arn "$arn"
  done
}
for p in Hello-SaveDynamoDB Hello-SaveS3 Hello-StoreName Hello-ReadName Hello-InvokeSave; do policy "$p"; done
BASIC=service-role/AWSLambdaBasicExecutionRole
role HelloSaveToDynamoDB policies/lambda-trust.json Hello-SaveDynamoDB $BASIC
role HelloSaveToS3 policies/lambda-trust.json Hello-SaveS3 $BASIC
role HelloStoreUserName policies/lambda-trust.json Hello-StoreName $BASIC
role HelloPage policies/lambda-trust.json Hello-ReadName $BASIC

# --- Step 2: the users table (with a stream) and the two buckets ----------------------------------
if quiet aws dynamodb describe-table --table-name HelloUsers; then
  KEYS=$(aws dynamodb describe-table --table-name HelloUsers --query 'Table.KeySchema[].[AttributeName,KeyType]' | tr -s '\t\n' ' ')
  if [ "$KEYS" != "username HASH " ]; then
    echo "deploy.sh: a table named 'HelloUsers' exists with key schema: $KEYS" >&2
    echo "  this application needs username (HASH) alone; delete it (aws dynamodb delete-table --table-name HelloUsers) or deploy elsewhere" >&2
    exit 1
  fi
  VIEW=$(aws dynamodb describe-table --table-name HelloUsers --query 'Table.StreamSpecification.StreamEnabled && Table.StreamSpecification.StreamViewType || `none`')
  case "$VIEW" in
    NEW_IMAGE | NEW_AND_OLD_IMAGES) ;;
    *) aws dynamodb update-table --table-name HelloUsers --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE >/dev/null ;;
  esac
else
  aws dynamodb create-table --table-name HelloUsers --attribute-definitions AttributeName=username,AttributeType=S \
    --key-schema AttributeName=username,KeyType=HASH --billing-mode PAY_PER_REQUEST \
    --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE >/dev/null
fi
aws dynamodb wait table-exists --table-name HelloUsers
STREAM_ARN=$(aws dynamodb describe-table --table-name HelloUsers --query Table.LatestStreamArn)
quiet aws s3api head-bucket --bucket "$USERS_BUCKET" || aws s3api create-bucket --bucket "$USERS_BUCKET" >/dev/null
quiet aws s3api head-bucket --bucket "$SITE_BUCKET" || aws s3api create-bucket --bucket "$SITE_BUCKET" >/dev/null

# --- Step 3: the functions -------------------------------------------------------------------------
(cd functions && python3 -c 'import zipfile,sys
for name in sys.argv[2:]:
    with zipfile.ZipFile(f"{sys.argv[1]}/{name}.zip", "w") as z: z.write(f"{name}.py")' "$build" \
  save_user_dynamodb save_user_s3 store_user_name hello_page)
function_up() {  # function_up NAME ROLE MODULE ENV
  local name=$1 role=$2 module=$3 env=$4
  if quiet aws lambda get-function --function-name "$name"; then
    aws lambda update-function-code --function-name "$name" --zip-file "fileb://$build/$module.zip" >/dev/null
    aws lambda wait function-updated-v2 --function-name "$name"
    aws lambda update-function-configuration --function-name "$name" --handler "$module.lambda_handler" \
      --runtime python3.12 --role "arn:aws:iam::$ACCOUNT:role/$role" --environment "$env" >/dev/null
    aws lambda wait function-updated-v2 --function-name "$name"
  else
    aws lambda create-function --function-name "$name" --role "arn:aws:iam::$ACCOUNT:role/$role" \
      --handler "$module.lambda_handler" --runtime python3.12 --zip-file "fileb://$build/$module.zip" \
      --timeout 15 --environment "$env" >/dev/null
  fi
  aws lambda wait function-active-v2 --function-name "$name"
}
function_up SaveUserToDynamoDB HelloSaveToDynamoDB save_user_dynamodb "Variables={TABLE_NAME=HelloUsers}"
function_up SaveUserToS3 HelloSaveToS3 save_user_s3 "Variables={BUCKET=$USERS_BUCKET}"
function_up StoreUserName HelloStoreUserName store_user_name "Variables={PARAMETER_PREFIX=/hello/users/}"
function_up HelloPage HelloPage hello_page "Variables={PARAMETER_PREFIX=/hello/users/}"
if [ -z "$(aws lambda list-event-source-mappings --function-name StoreUserName --event-source-arn "$STREAM_ARN" --query 'EventSourceMappings[].UUID')" ]; then
  aws lambda create-event-source-mapping --function-name StoreUserName --event-source-arn "$STREAM_ARN" \
    --starting-position LATEST --batch-size 10 >/dev/null
fi

# --- Step 4: the user pool, its app client, the identity pool and its authenticated role ----------
POOL_ID=$(aws cognito-idp list-user-pools --max-results 60 --query "UserPools[?Name=='hello-pool'].Id | [0]")
if none "$POOL_ID"; then
  POOL_ID=$(aws cognito-idp create-user-pool --pool-name hello-pool --auto-verified-attributes email \
    --schema Name=email,AttributeDataType=String,Required=true,Mutable=true --query UserPool.Id)
else
  aws cognito-idp update-user-pool --user-pool-id "$POOL_ID" --auto-verified-attributes email
fi
FLOWS="ALLOW_USER_SRP_AUTH ALLOW_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH"
CLIENT_ID=$(aws cognito-idp list-user-pool-clients --user-pool-id "$POOL_ID" --max-results 60 \
  --query "UserPoolClients[?ClientName=='hello-web'].ClientId | [0]")
if none "$CLIENT_ID"; then
  CLIENT_ID=$(aws cognito-idp create-user-pool-client --user-pool-id "$POOL_ID" --client-name hello-web \
    --no-generate-secret --explicit-auth-flows $FLOWS --query UserPoolClient.ClientId)
else
  aws cognito-idp update-user-pool-client --user-pool-id "$POOL_ID" --client-id "$CLIENT_ID" \
    --client-name hello-web --explicit-auth-flows $FLOWS >/dev/null
fi
PROVIDER="ProviderName=cognito-idp.$REGION.amazonaws.com/$POOL_ID,ClientId=$CLIENT_ID,ServerSideTokenCheck=false"
IDENTITY_POOL_ID=$(aws cognito-identity list-identity-pools --max-results 60 \
  --query "IdentityPools[?IdentityPoolName=='hello_identity_pool'].IdentityPoolId | [0]")
if none "$IDENTITY_POOL_ID"; then
  IDENTITY_POOL_ID=$(aws cognito-identity create-identity-pool --identity-pool-name hello_identity_pool \
    --no-allow-unauthenticated-identities --cognito-identity-providers "$PROVIDER" --query IdentityPoolId)
else
  aws cognito-identity update-identity-pool --identity-pool-id "$IDENTITY_POOL_ID" \
    --identity-pool-name hello_identity_pool --no-allow-unauthenticated-identities \
    --cognito-identity-providers "$PROVIDER" >/dev/null
fi
render policies/identity-trust.json >"$build/identity-trust.json"
role HelloIdentity-Authenticated "$build/identity-trust.json" Hello-InvokeSave
aws cognito-identity set-identity-pool-roles --identity-pool-id "$IDENTITY_POOL_ID" \
  --roles "authenticated=arn:aws:iam::$ACCOUNT:role/HelloIdentity-Authenticated"

# --- Step 5: REST API: GET /hello/{username} -> HelloPage ------------------------------------------
API_ID=$(aws apigateway get-rest-apis --query "items[?name=='HelloAPI'].id | [0]")
none "$API_ID" && API_ID=$(aws apigateway create-rest-api --name HelloAPI --endpoint-configuration types=REGIONAL --query id)
ROOT_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id | [0]")
HELLO_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/hello'].id | [0]")
none "$HELLO_ID" && HELLO_ID=$(aws apigateway create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part hello --query id)
USER_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/hello/{username}'].id | [0]")
none "$USER_ID" && USER_ID=$(aws apigateway create-resource --rest-api-id "$API_ID" --parent-id "$HELLO_ID" --path-part '{username}' --query id)
quiet aws apigateway delete-method --rest-api-id "$API_ID" --resource-id "$USER_ID" --http-method GET || true
aws apigateway put-method --rest-api-id "$API_ID" --resource-id "$USER_ID" --http-method GET --authorization-type NONE >/dev/null
aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$USER_ID" --http-method GET \
  --type AWS_PROXY --integration-http-method POST \
  --uri "arn:aws:apigateway:$REGION:lambda:path/2015-03-31/functions/arn:aws:lambda:$REGION:$ACCOUNT:function:HelloPage/invocations" >/dev/null
quiet aws lambda remove-permission --function-name HelloPage --statement-id apigateway-get || true
aws lambda add-permission --function-name HelloPage --statement-id apigateway-get --action lambda:InvokeFunction \
  --principal apigateway.amazonaws.com --source-arn "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/*/GET/hello/*" >/dev/null
aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name prod >/dev/null
API_URL="$ENDPOINT/restapis/$API_ID/prod/_user_request_"

# --- Step 6: the web page on the S3 static website -------------------------------------------------
if [ ! -x web/node_modules/.bin/esbuild ]; then (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null); fi
mkdir -p "$build/site"
(cd web && node_modules/.bin/esbuild app.js --bundle --format=iife --platform=browser --target=es2020 --define:global=window \
  --log-level=warning --outfile="$build/site/bundle.js")
cp web/index.html "$build/site/"
cat >"$build/site/config.js" <<JS
window.HELLO_CONFIG = {"endpoint": "$ENDPOINT", "region": "$REGION", "userPoolId": "$POOL_ID",
  "clientId": "$CLIENT_ID", "identityPoolId": "$IDENTITY_POOL_ID", "apiUrl": "$API_URL",
  "saveFunctions": ["SaveUserToDynamoDB", "SaveUserToS3"]};
JS
aws s3api delete-public-access-block --bucket "$SITE_BUCKET"
render policies/site-bucket-policy.json >"$build/site-policy.json"
aws s3api put-bucket-policy --bucket "$SITE_BUCKET" --policy "file://$build/site-policy.json"
aws s3api put-bucket-website --bucket "$SITE_BUCKET" --website-configuration '{"IndexDocument": {"Suffix": "index.html"}}'
aws s3 sync "$build/site" "s3://$SITE_BUCKET/" --delete --only-show-errors

# On AWS the site is http://BUCKET.s3-website-REGION.amazonaws.com; Stratus serves website hosts
# under .localhost on its own port.
PORT=$(python3 -c 'import sys, urllib.parse; u = urllib.parse.urlsplit(sys.argv[1]); print(u.port or 80)' "$ENDPOINT")
echo "user pool: $POOL_ID"
echo "identity pool: $IDENTITY_POOL_ID"
echo "hello API: $API_URL/hello/{username}"
echo "website URL: http://$SITE_BUCKET.s3-website.localhost:$PORT/"
