// The sign-up app's last step through the AWS SDK for JavaScript v3 (test_cognito_js.py):
// @aws-sdk/client-cognito-identity's GetId / GetCredentialsForIdentity, and
// fromCognitoIdentityPool credentials (@aws-sdk/credential-providers) signing an STS call.
// Usage: node identity.js ENDPOINT IDENTITY_POOL_ID PROVIDER ID_TOKEN
// Prints one JSON line.
const { CognitoIdentityClient, GetIdCommand, GetCredentialsForIdentityCommand } = require("@aws-sdk/client-cognito-identity");
const { fromCognitoIdentityPool } = require("@aws-sdk/credential-providers");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

const [endpoint, poolId, provider, idToken] = process.argv.slice(2);
const region = "us-east-1";

async function main() {
  const out = {};
  const ci = new CognitoIdentityClient({ region, endpoint });
  const logins = { [provider]: idToken };
  const { IdentityId } = await ci.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: logins }));
  out.identityId = IdentityId;
  const r = await ci.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
  out.expiration = r.Credentials.Expiration instanceof Date;
  const credentials = fromCognitoIdentityPool({ identityPoolId: poolId, logins, clientConfig: { region, endpoint } });
  const sts = new STSClient({ region, endpoint, credentials });
  out.arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  const creds = await credentials();
  out.providerIdentityId = creds.identityId;
  try {
    await ci.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [provider]: idToken + "x" } }));
    out.badToken = "accepted";
  } catch (e) {
    out.badToken = { name: e.name, message: e.message };
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.log(JSON.stringify({ error: { name: e.name, message: e.message } }));
});
