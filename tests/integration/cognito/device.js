// Device SRP through amazon-cognito-identity-js: the first authenticateUser gets NewDeviceMetadata
// and confirms the device (ConfirmDevice with the device's SRP verifier); the second, in the same
// process (the library keeps the device key and random password in its memory storage), answers
// DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER.
// Usage: node device.js ENDPOINT POOL_ID CLIENT_ID USERNAME PASSWORD -> prints a JSON result
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require("amazon-cognito-identity-js");

const [endpoint, poolId, clientId, username, password] = process.argv.slice(2);
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
const challenges = [];

const request = pool.client.request.bind(pool.client);  // one client for the pool's users
pool.client.request = (op, params, cb) => {
  if (op === "RespondToAuthChallenge") challenges.push(params.ChallengeName);
  return request(op, params, cb);
};

function signIn() {
  const user = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ ok: true, deviceKey: user.deviceKey }),
      onFailure: (err) => resolve({ ok: false, code: err.code, message: err.message }),
    });
  });
}

(async () => {
  const first = await signIn();
  const firstChallenges = challenges.splice(0);
  const second = first.ok ? await signIn() : null;
  console.log(JSON.stringify({ first, firstChallenges, second, secondChallenges: challenges }));
})();
