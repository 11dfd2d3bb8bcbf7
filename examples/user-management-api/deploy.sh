#!/usr/bin/env bash
# Deploys the user-management API with the same aws CLI commands you would run against AWS; only
# --endpoint-url is added. Idempotent: run it again and it brings what exists to this
# configuration (or stops and says what to do).
#
#   Cognito user pool (sign-up, email code, tokens) --PostConfirmation--> NotifyUserSignup -> SNS
#   REST API /users, /users/{userId} --Cognito authorizer (ID token)--> Lambda (Python) -> DynamoDB
#
# Usage: ./deploy.sh        (STRATUS_ENDPOINT, default http://localhost:4566; OPERATOR_EMAIL)
set -euo pipefail
cd "$(dirname "$0")"
ENDPOINT=${STRATUS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
REGION=$AWS_DEFAULT_REGION
OPERATOR_EMAIL=${OPERATOR_EMAIL:-ops@example.com}
POOL_NAME=user-management-pool CLIENT_NAME=user-management-web API_NAME=UserManagementAPI
aws() { command aws --endpoint-url "$ENDPOINT" --output text "$@"; }
quiet() { "$@" >/dev/null 2>&1; }
none() { [ -z "$1" ] || [ "$1" = None ]; }

ACCOUNT=$(aws sts get-caller-identity --query Account)
echo "account $ACCOUNT, region $REGION, endpoint $ENDPOINT"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

# --- Step 1: least-privilege policies and one role per kind of function --------------------------
for p in UserProfiles-Write UserProfiles-Read UserSignups-Publish; do
  sed -e "s/\${ACCOUNT}/$ACCOUNT/g" -e "s/\${REGION}/$REGION/g" "policies/$p.json" >"$build/$p.json"
  arn="arn:aws:iam::$ACCOUNT:policy/$p"
  if quiet aws iam get-policy --policy-arn "$arn"; then
    # Bring an existing policy to this document: a new default version (AWS keeps five at most).
    old=$(aws iam list-policy-versions --policy-arn "$arn" --query 'Versions[?!IsDefaultVersion].VersionId')
    for v in $old; do aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"; done
    aws iam create-policy-version --policy-arn "$arn" --policy-document "file://$build/$p.json" --set-as-default >/dev/null
  else
    aws iam create-policy --policy-name "$p" --policy-document "file://$build/$p.json" >/dev/null
  fi
done
role() {  # role NAME POLICY...
  local name=$1; shift
  quiet aws iam get-role --role-name "$name" ||
    aws iam create-role --role-name "$name" --assume-role-policy-document file://policies/lambda-trust.json >/dev/null
  aws iam update-assume-role-policy --role-name "$name" --policy-document file://policies/lambda-trust.json
  for p in "$@" service-role/AWSLambdaBasicExecutionRole; do
    case $p in service-role/*) arn="arn:aws:iam::aws:policy/$p" ;; *) arn="arn:aws:iam::$ACCOUNT:policy/$p" ;; esac
    aws iam attach-role-policy --role-name "$name" --policy-arn "$arn"
  done
}
role UserProfiles-Writer UserProfiles-Write
role UserProfiles-Reader UserProfiles-Read
role UserSignups-Notifier UserSignups-Publish

# --- Step 2: DynamoDB table of profiles, keyed by the user's Cognito `sub` ------------------------
if quiet aws dynamodb describe-table --table-name UserProfiles; then
  KEYS=$(aws dynamodb describe-table --table-name UserProfiles --query 'Table.KeySchema[].[AttributeName,KeyType]' | tr -s '\t\n' ' ')
  if [ "$KEYS" != "userId HASH " ]; then
    echo "deploy.sh: a table named 'UserProfiles' exists with key schema: $KEYS" >&2
    echo "  this example needs userId (HASH) alone; delete it (aws dynamodb delete-table --table-name UserProfiles) or deploy elsewhere" >&2
    exit 1
  fi
else
  aws dynamodb create-table --table-name UserProfiles \
    --attribute-definitions AttributeName=userId,AttributeType=S \
    --key-schema AttributeName=userId,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
fi
aws dynamodb wait table-exists --table-name UserProfiles

# --- Step 3: SNS topic for sign-ups, with the operators' email subscription -----------------------
TOPIC_ARN=$(aws sns create-topic --name user-signups --query TopicArn)
if ! aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query 'Subscriptions[].Endpoint' | grep -qw "$OPERATOR_EMAIL"; then
  aws sns subscribe --topic-arn "$TOPIC_ARN" --protocol email --notification-endpoint "$OPERATOR_EMAIL" >/dev/null
fi
# On AWS the operator clicks the link in the confirmation email; Stratus puts that email in its
# mailbox (GET /_stratus/mailbox) and following the link confirms the subscription.
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

# --- Step 4: the functions -------------------------------------------------------------------------
(cd functions && python3 -c 'import zipfile,sys
for name in sys.argv[2:]:
    with zipfile.ZipFile(f"{sys.argv[1]}/{name}.zip", "w") as z: z.write(f"{name}.py")' "$build" profiles notify_signup)
function_up() {  # function_up NAME ROLE HANDLER ZIP ENV
  local name=$1 role=$2 handler=$3 zip=$4 env=$5
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
function_up CreateUserProfile UserProfiles-Writer profiles.create_profile "$build/profiles.zip" "Variables={TABLE_NAME=UserProfiles}"
function_up UpdateUserProfile UserProfiles-Writer profiles.update_profile "$build/profiles.zip" "Variables={TABLE_NAME=UserProfiles}"
function_up GetUserProfile UserProfiles-Reader profiles.get_profile "$build/profiles.zip" "Variables={TABLE_NAME=UserProfiles}"
function_up ListUserProfiles UserProfiles-Reader profiles.list_profiles "$build/profiles.zip" "Variables={TABLE_NAME=UserProfiles}"
function_up NotifyUserSignup UserSignups-Notifier notify_signup.lambda_handler "$build/notify_signup.zip" "Variables={TOPIC_ARN=$TOPIC_ARN}"
allow() {  # allow FUNCTION STATEMENT PRINCIPAL SOURCE_ARN: the function's resource policy
  quiet aws lambda remove-permission --function-name "$1" --statement-id "$2" || true
  aws lambda add-permission --function-name "$1" --statement-id "$2" --action lambda:InvokeFunction \
    --principal "$3" --source-arn "$4" >/dev/null
}

# --- Step 5: the user pool, its app client and the sign-up trigger ---------------------------------
POOL_ID=$(aws cognito-idp list-user-pools --max-results 60 --query "UserPools[?Name=='$POOL_NAME'].Id | [0]")
TRIGGER_ARN="arn:aws:lambda:$REGION:$ACCOUNT:function:NotifyUserSignup"
if none "$POOL_ID"; then
  POOL_ID=$(aws cognito-idp create-user-pool --pool-name "$POOL_NAME" --auto-verified-attributes email \
    --schema Name=email,AttributeDataType=String,Required=true,Mutable=true \
    --policies 'PasswordPolicy={MinimumLength=8,RequireUppercase=true,RequireLowercase=true,RequireNumbers=true,RequireSymbols=false}' \
    --lambda-config "PostConfirmation=$TRIGGER_ARN" --query UserPool.Id)
else
  aws cognito-idp update-user-pool --user-pool-id "$POOL_ID" --auto-verified-attributes email \
    --policies 'PasswordPolicy={MinimumLength=8,RequireUppercase=true,RequireLowercase=true,RequireNumbers=true,RequireSymbols=false}' \
    --lambda-config "PostConfirmation=$TRIGGER_ARN"
fi
POOL_ARN="arn:aws:cognito-idp:$REGION:$ACCOUNT:userpool/$POOL_ID"
allow NotifyUserSignup cognito-signup cognito-idp.amazonaws.com "$POOL_ARN"
FLOWS="ALLOW_USER_SRP_AUTH ALLOW_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH"
CLIENT_ID=$(aws cognito-idp list-user-pool-clients --user-pool-id "$POOL_ID" --max-results 60 \
  --query "UserPoolClients[?ClientName=='$CLIENT_NAME'].ClientId | [0]")
if none "$CLIENT_ID"; then
  CLIENT_ID=$(aws cognito-idp create-user-pool-client --user-pool-id "$POOL_ID" --client-name "$CLIENT_NAME" \
    --no-generate-secret --explicit-auth-flows $FLOWS --query UserPoolClient.ClientId)
else
  aws cognito-idp update-user-pool-client --user-pool-id "$POOL_ID" --client-id "$CLIENT_ID" \
    --client-name "$CLIENT_NAME" --explicit-auth-flows $FLOWS >/dev/null
fi

# --- Step 6: REST API; every method needs a valid ID token of the pool ----------------------------
API_ID=$(aws apigateway get-rest-apis --query "items[?name=='$API_NAME'].id | [0]")
if none "$API_ID"; then
  API_ID=$(aws apigateway create-rest-api --name "$API_NAME" --endpoint-configuration types=REGIONAL --query id)
fi
AUTH_ID=$(aws apigateway get-authorizers --rest-api-id "$API_ID" --query "items[?name=='CognitoUserPool'].id | [0]")
if none "$AUTH_ID"; then
  AUTH_ID=$(aws apigateway create-authorizer --rest-api-id "$API_ID" --name CognitoUserPool \
    --type COGNITO_USER_POOLS --provider-arns "$POOL_ARN" \
    --identity-source method.request.header.Authorization --query id)
else
  HAS=$(aws apigateway get-authorizer --rest-api-id "$API_ID" --authorizer-id "$AUTH_ID" --query 'providerARNs[0]')
  if [ "$HAS" != "$POOL_ARN" ]; then
    echo "deploy.sh: API $API_NAME's authorizer CognitoUserPool trusts $HAS, not $POOL_ARN." >&2
    echo "  run ./teardown.sh (or aws apigateway delete-rest-api --rest-api-id $API_ID) and deploy again" >&2
    exit 1
  fi
fi
resource() {  # resource PARENT_ID PATH_PART FULL_PATH -> id
  local id
  id=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='$3'].id | [0]")
  if none "$id"; then
    id=$(aws apigateway create-resource --rest-api-id "$API_ID" --parent-id "$1" --path-part "$2" --query id)
  fi
  echo "$id"
}
ROOT_ID=$(aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id | [0]")
USERS_ID=$(resource "$ROOT_ID" users /users)
USER_ID=$(resource "$USERS_ID" '{userId}' '/users/{userId}')
method() {  # method RESOURCE_ID VERB FUNCTION PATH: a method that proxies to FUNCTION
  quiet aws apigateway delete-method --rest-api-id "$API_ID" --resource-id "$1" --http-method "$2" || true
  aws apigateway put-method --rest-api-id "$API_ID" --resource-id "$1" --http-method "$2" \
    --authorization-type COGNITO_USER_POOLS --authorizer-id "$AUTH_ID" >/dev/null
  aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$1" --http-method "$2" \
    --type AWS_PROXY --integration-http-method POST \
    --uri "arn:aws:apigateway:$REGION:lambda:path/2015-03-31/functions/arn:aws:lambda:$REGION:$ACCOUNT:function:$3/invocations" >/dev/null
  allow "$3" "apigateway-$2" apigateway.amazonaws.com "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/*/$2$4"
}
method "$USERS_ID" POST CreateUserProfile /users
method "$USERS_ID" GET ListUserProfiles /users
method "$USER_ID" GET GetUserProfile '/users/*'
method "$USER_ID" PUT UpdateUserProfile '/users/*'
aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name prod >/dev/null

echo "user pool: $POOL_ID"
echo "app client: $CLIENT_ID"
echo "invoke URL: $ENDPOINT/restapis/$API_ID/prod/_user_request_/users"
