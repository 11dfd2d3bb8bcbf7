// CUSTOM_AUTH through amazon-cognito-identity-js: authenticateUser with the flow type CUSTOM_AUTH
// starts with SRP_A (CHALLENGE_NAME=SRP_A), answers PASSWORD_VERIFIER, then the custom challenge
// with sendCustomChallengeAnswer; initiateAuth starts the custom flow without a password.
// Usage: node custom.js ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD|"" ANSWER -> prints a JSON result
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require("amazon-cognito-identity-js");

const [endpoint, poolId, clientId, username, password, answer] = process.argv.slice(2);

const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
const user = new CognitoUser({ Username: username, Pool: pool });
user.setAuthenticationFlowType("CUSTOM_AUTH");
const details = new AuthenticationDetails({ Username: username, Password: password || undefined });
const challenges = [];

new Promise((resolve) => {
  const callbacks = {
    onSuccess: (session) => resolve({ ok: true, username: session.getIdToken().decodePayload()["cognito:username"] }),
    onFailure: (err) => resolve({ ok: false, code: err.code, message: err.message }),
    customChallenge: (params) => {
      challenges.push(params);
      user.sendCustomChallengeAnswer(answer, callbacks);
    },
  };
  if (password) user.authenticateUser(details, callbacks);
  else user.initiateAuth(details, callbacks);
}).then((r) => console.log(JSON.stringify({ ...r, challenges })));
