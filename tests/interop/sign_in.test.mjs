// Signed-in users with the unmodified AWS SDKs (v2 CognitoIdentityCredentials, v3 fromCognitoIdentityPool)
// against synclatch-server trusting a stand-in OpenID Connect provider (oidc_provider.mjs): a user who
// signs in on two devices gets one identity and its data; a guest who signs in as a user with data is
// merged into that user's identity, and the merged dataset shows in MergedDatasetNames.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import AWS from "aws-sdk";
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand } from "@aws-sdk/client-cognito-identity";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { OidcProvider } from "./oidc_provider.mjs";
import { startServer, POOL_ID, REGION } from "./server.mjs";

let server;
let provider;
before(async () => {
  provider = new OidcProvider();
  server = await startServer(provider.serverArgs());
  AWS.config.update({ region: REGION, cognitosync: { endpoint: server.endpoint }, cognitoidentity: { endpoint: server.endpoint } });
});
after(async () => { await server.stop(); provider.remove(); });

// Each device keeps its identity id in storage of its own, as separate installs do.
function deviceStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => { items.set(k, v); }, removeItem: (k) => { items.delete(k); } };
}

async function v3Device(logins) {
  const credentials = fromCognitoIdentityPool({
    identityPoolId: POOL_ID, logins, cache: deviceStorage(), clientConfig: { region: REGION, endpoint: server.endpoint },
  });
  const resolved = await credentials();
  return { client: new CognitoSyncClient({ region: REGION, endpoint: server.endpoint, credentials }), identityId: resolved.identityId };
}

async function v2Device(logins) {
  const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: POOL_ID, Logins: logins });
  credentials.clearCachedId();
  await credentials.getPromise();
  return { sync: new AWS.CognitoSync({ credentials }), identityId: credentials.identityId };
}

const ids = (identityId, DatasetName) => ({ IdentityPoolId: POOL_ID, IdentityId: identityId, DatasetName });

async function v3Put(device, dataset, key, value) {
  const listed = await device.client.send(new ListRecordsCommand({ ...ids(device.identityId, dataset), LastSyncCount: 0 }));
  const current = listed.Records.find((r) => r.Key === key);
  await device.client.send(new UpdateRecordsCommand({
    ...ids(device.identityId, dataset), SyncSessionToken: listed.SyncSessionToken, DeviceId: "sign-in",
    RecordPatches: [{ Op: "replace", Key: key, Value: value, SyncCount: current?.SyncCount ?? 0 }],
  }));
}

async function v3Records(device, dataset) {
  return device.client.send(new ListRecordsCommand({ ...ids(device.identityId, dataset), LastSyncCount: 0 }));
}

test("v3: a user signing in on two devices gets one identity and reads the other's records", async () => {
  const phone = await v3Device({ [provider.name]: provider.token("alice") });
  const laptop = await v3Device({ [provider.name]: provider.token("alice") });
  assert.equal(laptop.identityId, phone.identityId);
  await v3Put(phone, "settings", "theme", "dark");
  const read = await v3Records(laptop, "settings");
  assert.equal(read.Records.find((r) => r.Key === "theme").Value, "dark");
  const other = await v3Device({ [provider.name]: provider.token("bob") });
  assert.notEqual(other.identityId, phone.identityId);
});

test("v2: CognitoIdentityCredentials with Logins finds the same identity as v3", async () => {
  const phone = await v3Device({ [provider.name]: provider.token("carol") });
  await v3Put(phone, "notes", "first", "from v3");
  const tablet = await v2Device({ [provider.name]: provider.token("carol") });
  assert.equal(tablet.identityId, phone.identityId);
  const read = await tablet.sync.listRecords({ ...ids(tablet.identityId, "notes"), LastSyncCount: 0 }).promise();
  assert.equal(read.Records.find((r) => r.Key === "first").Value, "from v3");
});

test("v3: a token the provider did not sign is NotAuthorizedException", async () => {
  const stranger = new OidcProvider();  // same name and issuer, another key
  try {
    await assert.rejects(v3Device({ [provider.name]: stranger.token("alice") }),
                         (e) => e.name === "NotAuthorizedException");
  } finally {
    stranger.remove();
  }
});

test("v3: a guest with data signs in as a user with data: merged, and MergedDatasetNames shows it", async () => {
  const user = await v3Device({ [provider.name]: provider.token("dave") });
  await v3Put(user, "game", "level", "7");
  // A guest on a new device saves progress before signing in.
  const storage = deviceStorage();
  const guestCredentials = fromCognitoIdentityPool({
    identityPoolId: POOL_ID, cache: storage, clientConfig: { region: REGION, endpoint: server.endpoint },
  });
  const guestId = (await guestCredentials()).identityId;
  const guest = { client: new CognitoSyncClient({ region: REGION, endpoint: server.endpoint, credentials: guestCredentials }), identityId: guestId };
  await v3Put(guest, "game", "level", "3");

  // The same device signs in with the identity id it has, as the Cognito SDKs do (GetCredentialsForIdentity
  // with the guest's id and the login): the server merges the guest into dave's identity and answers with
  // dave's id and credentials for it. (v3's fromCognitoIdentity keeps the id it was given, so the call is
  // made with the identity client itself.)
  const identityClient = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint });
  const answer = await identityClient.send(new GetCredentialsForIdentityCommand({
    IdentityId: guestId, Logins: { [provider.name]: provider.token("dave") },
  }));
  assert.equal(answer.IdentityId, user.identityId);
  assert.match(answer.Credentials.AccessKeyId, /^ASIA/);
  // The guest's identity is gone.
  await assert.rejects(identityClient.send(new GetCredentialsForIdentityCommand({ IdentityId: guestId })),
                       (e) => e.name === "ResourceNotFoundException");
  const listed = await v3Records(user, "game");
  assert.deepEqual(listed.MergedDatasetNames, [`game.${guestId}`]);
  const merged = await v3Records(user, `game.${guestId}`);
  assert.equal(merged.Records.find((r) => r.Key === "level").Value, "3");
  assert.equal(listed.Records.find((r) => r.Key === "level").Value, "7");
});
