// Signs in against Stratus with amazon-cognito-identity-js (CognitoUser.authenticateUser: the
// real SRP client) and then calls GetUser with the AWS SDK for JavaScript v3.
// Usage: node signin.js ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD  -> prints a JSON result
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require("amazon-cognito-identity-js");
const { CognitoIdentityProviderClient, GetUserCommand, InitiateAuthCommand } =
  require("@aws-sdk/client-cognito-identity-provider");

const [endpoint, poolId, clientId, username, password] = process.argv.slice(2);

function srp() {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
  const user = new CognitoUser({ Username: username, Pool: pool });
  const details = new AuthenticationDetails({ Username: username, Password: password });
  return new Promise((resolve) => {
    user.authenticateUser(details, {
      onSuccess: (session) => resolve({ ok: true, session }),
      onFailure: (err) => resolve({ ok: false, code: err.code, message: err.message }),
      newPasswordRequired: () => resolve({ ok: false, code: "newPasswordRequired" }),
    });
  });
}

(async () => {
  const r = await srp();
  const out = { srp: r.ok ? "ok" : r };
  if (r.ok) {
    const access = r.session.getAccessToken().getJwtToken();
    out.idPayload = r.session.getIdToken().decodePayload();
    const client = new CognitoIdentityProviderClient({ endpoint, region: "us-east-1" });
    const me = await client.send(new GetUserCommand({ AccessToken: access }));
    out.getUser = me.Username;
    const refreshed = await client.send(new InitiateAuthCommand({
      ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: r.session.getRefreshToken().getToken() } }));
    out.refreshed = !!refreshed.AuthenticationResult.AccessToken;
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
