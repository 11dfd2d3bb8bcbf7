// The sign-up app end to end through the AWS SDK for JavaScript v3 only (test_cognito_js.py,
// TestCognitoJsStrict, Stratus in --auth strict): no AWS credentials in the environment, so the
// public operations go unsigned as the SDK sends them.
// Usage:
//   node signup_app.js signup ENDPOINT CLIENT_ID USERNAME PASSWORD EMAIL
//   node signup_app.js login  ENDPOINT USER_POOL_ID CLIENT_ID USERNAME PASSWORD CODE IDENTITY_POOL_ID
// `signup` runs SignUp; `login` runs ConfirmSignUp with the mailed code, InitiateAuth
// USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, then the identity pool's GetId, GetOpenIdToken
// (+ STS AssumeRoleWithWebIdentity) and GetCredentialsForIdentity, and signs other clients' calls
// with the credentials it got. Prints one JSON line.
const idp = require("@aws-sdk/client-cognito-identity-provider");
const ci = require("@aws-sdk/client-cognito-identity");
const sts = require("@aws-sdk/client-sts");

const [step, endpoint, ...args] = process.argv.slice(2);
const region = "us-east-1";

function payload(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
}

async function failure(promise) {
  try {
    await promise;
    return "accepted";
  } catch (e) {
    return { name: e.name, message: e.message };
  }
}

async function signup() {
  const [clientId, username, password, email] = args;
  const c = new idp.CognitoIdentityProviderClient({ region, endpoint });
  const r = await c.send(new idp.SignUpCommand({
    ClientId: clientId, Username: username, Password: password,
    UserAttributes: [{ Name: "email", Value: email }] }));
  const again = await failure(c.send(new idp.SignUpCommand({
    ClientId: clientId, Username: username, Password: password,
    UserAttributes: [{ Name: "email", Value: email }] })));
  return { confirmed: r.UserConfirmed, sub: r.UserSub, delivery: r.CodeDeliveryDetails, again };
}

async function login() {
  const [poolId, clientId, username, password, code, identityPoolId] = args;
  const out = {};
  const c = new idp.CognitoIdentityProviderClient({ region, endpoint });
  out.unconfirmed = await failure(c.send(new idp.InitiateAuthCommand({
    ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD: password } })));
  out.wrongCode = await failure(c.send(new idp.ConfirmSignUpCommand({
    ClientId: clientId, Username: username, ConfirmationCode: code === "000000" ? "000001" : "000000" })));
  await c.send(new idp.ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code }));
  const auth = (await c.send(new idp.InitiateAuthCommand({
    ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: password } }))).AuthenticationResult;
  out.tokenType = auth.TokenType;
  out.idClaims = payload(auth.IdToken);
  const refreshed = (await c.send(new idp.InitiateAuthCommand({
    ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: auth.RefreshToken } })))
    .AuthenticationResult;
  out.refreshedHasRefreshToken = "RefreshToken" in refreshed && refreshed.RefreshToken !== undefined;
  out.refreshedSub = payload(refreshed.IdToken).sub;
  out.wrongPassword = await failure(c.send(new idp.InitiateAuthCommand({
    ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: password + "x" } })));

  const provider = `cognito-idp.${region}.amazonaws.com/${poolId}`;
  const logins = { [provider]: refreshed.IdToken };
  const identity = new ci.CognitoIdentityClient({ region, endpoint });
  const { IdentityId } = await identity.send(new ci.GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins }));
  out.identityId = IdentityId;
  // The basic flow: an OpenID token of the identity, traded with STS for the role's credentials.
  const oid = await identity.send(new ci.GetOpenIdTokenCommand({ IdentityId, Logins: logins }));
  out.openIdIdentity = oid.IdentityId;
  out.openIdClaims = payload(oid.Token);
  const web = await new sts.STSClient({ region, endpoint }).send(new sts.AssumeRoleWithWebIdentityCommand({
    RoleArn: "arn:aws:iam::000000000000:role/signup-basic", RoleSessionName: "web", WebIdentityToken: oid.Token }));
  out.webIdentityArn = web.AssumedRoleUser.Arn;
  // The enhanced flow.
  const r = await identity.send(new ci.GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
  out.expiration = r.Credentials.Expiration instanceof Date;
  const credentials = { accessKeyId: r.Credentials.AccessKeyId, secretAccessKey: r.Credentials.SecretKey,
                        sessionToken: r.Credentials.SessionToken };
  out.callerArn = (await new sts.STSClient({ region, endpoint, credentials })
    .send(new sts.GetCallerIdentityCommand({}))).Arn;
  // Another service's client signed with them: --auth strict checks the signature and the session token.
  const signed = new idp.CognitoIdentityProviderClient({ region, endpoint, credentials });
  out.listed = (await signed.send(new idp.ListUserPoolsCommand({ MaxResults: 10 }))).UserPools.map((p) => p.Id);
  const forged = new idp.CognitoIdentityProviderClient({ region, endpoint,
    credentials: { ...credentials, secretAccessKey: credentials.secretAccessKey + "x" } });
  out.forged = await failure(forged.send(new idp.ListUserPoolsCommand({ MaxResults: 10 })));
  const tokenless = new idp.CognitoIdentityProviderClient({ region, endpoint,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } });
  out.withoutSessionToken = await failure(tokenless.send(new idp.ListUserPoolsCommand({ MaxResults: 10 })));
  return out;
}

(step === "signup" ? signup() : login())
  .then((out) => console.log(JSON.stringify(out)))
  .catch((e) => console.log(JSON.stringify({ error: { name: e.name, message: e.message, stack: e.stack } })));
