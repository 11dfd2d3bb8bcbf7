// The sign-up page of user-signup-hello, served from the S3 website bucket. Everything happens in
// the browser, as on AWS: Cognito sign-up and SRP login (amazon-cognito-identity-js), temporary
// credentials from the identity pool, two Lambda invocations with them, then the hello page of the
// REST API. config.js (written by deploy.sh) says where everything is.
import { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } from "amazon-cognito-identity-js";
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-provider-cognito-identity";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";

const cfg = window.HELLO_CONFIG;
const pool = new CognitoUserPool({ UserPoolId: cfg.userPoolId, ClientId: cfg.clientId, endpoint: cfg.endpoint + "/" });
const $ = (id) => document.getElementById(id);
const show = (step) => {
  for (const s of document.querySelectorAll("section")) s.hidden = s.id !== step;
};
const status = (text, error = false) => {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
};
const user = (name) => new CognitoUser({ Username: name, Pool: pool });

$("signup-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const attrs = [new CognitoUserAttribute({ Name: "email", Value: $("email").value })];
  pool.signUp($("username").value, $("password").value, attrs, null, (err) => {
    if (err) return status(err.message, true);
    sessionStorage.setItem("hello-user", $("username").value);
    status("We sent a verification code to " + $("email").value + ".");
    show("confirm");
  });
});

$("confirm-form").addEventListener("submit", (e) => {
  e.preventDefault();
  user(sessionStorage.getItem("hello-user")).confirmRegistration($("code").value, true, (err) => {
    if (err) return status(err.message, true);
    status("Your account is confirmed: sign in.");
    $("login-username").value = sessionStorage.getItem("hello-user");
    sessionStorage.removeItem("hello-user");
    show("login");
  });
});

$("login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const name = $("login-username").value;
  const details = new AuthenticationDetails({ Username: name, Password: $("login-password").value });
  user(name).authenticateUser(details, {
    onSuccess: (session) => welcome(name, session).catch((err) => status(err.message || String(err), true)),
    onFailure: (err) => status(err.message, true),
  });
});

async function welcome(name, session) {
  const idToken = session.getIdToken();
  status("Signed in. Getting credentials from the identity pool...");
  const credentials = fromCognitoIdentityPool({
    client: new CognitoIdentityClient({ region: cfg.region, endpoint: cfg.endpoint }),
    identityPoolId: cfg.identityPoolId,
    logins: { [`cognito-idp.${cfg.region}.amazonaws.com/${cfg.userPoolId}`]: idToken.getJwtToken() },
  });
  const creds = await credentials();
  const lambda = new LambdaClient({ region: cfg.region, endpoint: cfg.endpoint, credentials });
  const details = {
    username: name,
    email: idToken.payload.email,
    sub: idToken.payload.sub,
    identityId: creds.identityId || "",
  };
  status("Saving your details...");
  for (const fn of cfg.saveFunctions) {
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify(details) }));
    if (out.FunctionError) throw new Error(fn + " failed: " + new TextDecoder().decode(out.Payload));
  }
  // The name reaches Parameter Store through the table's stream: wait for the hello page.
  const url = `${cfg.apiUrl}/hello/${encodeURIComponent(name)}`;
  for (let i = 0; i < 100; i++) {
    const r = await fetch(url);
    if (r.ok) {
      window.location.href = url;
      return;
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error("the hello page did not appear");
}

$("have-account").addEventListener("click", (e) => {
  e.preventDefault();
  show("login");
});

show(sessionStorage.getItem("hello-user") ? "confirm" : "signup");
