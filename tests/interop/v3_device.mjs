// A device on the AWS SDK v3 (@aws-sdk/client-cognito-sync with fromCognitoIdentityPool, unmodified): a
// client with its own new identity, as an app on its own device gets one. Each gets its own identity
// cache: by default the provider keeps the identity id in storage shared by the whole process.
import { CognitoSyncClient } from "@aws-sdk/client-cognito-sync";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { POOL_ID, REGION } from "./server.mjs";

function deviceStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => { items.set(k, v); }, removeItem: (k) => { items.delete(k); } };
}

export async function newV3Device(endpoint) {
  const credentials = fromCognitoIdentityPool({
    identityPoolId: POOL_ID, cache: deviceStorage(), clientConfig: { region: REGION, endpoint },
  });
  const client = new CognitoSyncClient({ region: REGION, endpoint, credentials });
  const resolved = await credentials();
  return { client, identityId: resolved.identityId, resolved };
}
