// Signed-in users with the unmodified AWS SDKs (v2 CognitoIdentityCredentials, v3 fromCognitoIdentityPool)
// against synclatch-server trusting a stand-in OpenID Connect provider (oidc_provider.mjs): a user who
// signs in on two devices gets one identity and its data; a guest who signs in as a user with data is
// merged into that user's identity, and the merged dataset shows in MergedDatasetNames.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import AWS from "aws-sdk";
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync";
import {
  CognitoIdentityClient, GetCredentialsForIdentityCommand, GetOpenIdTokenForDeveloperIdentityCommand,
  LookupDeveloperIdentityCommand, MergeDeveloperIdentitiesCommand, DescribeIdentityCommand,
  UnlinkIdentityCommand, UnlinkDeveloperIdentityCommand, ListIdentitiesCommand, GetIdCommand,
  DeleteIdentitiesCommand,
} from "@aws-sdk/client-cognito-identity";
import { fromCognitoIdentity, fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { OidcProvider } from "./oidc_provider.mjs";
import { startServer, POOL_ID, REGION } from "./server.mjs";

const DEVELOPER_PROVIDER = "login.example.app";
const DEVELOPER_KEY = { accessKeyId: "AKIDDEVELOPERBACKEND", secretAccessKey: "backend-secret-backend-secret-0000000000" };

let server;
let provider;
before(async () => {
  provider = new OidcProvider();
  server = await startServer([...provider.serverArgs(), "--developer-provider", DEVELOPER_PROVIDER,
                              "--admin-key", `${DEVELOPER_KEY.accessKeyId}:${DEVELOPER_KEY.secretAccessKey}`]);
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

// The app's backend: it holds the developer key, the devices never do.
function backend() {
  return new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, credentials: DEVELOPER_KEY });
}

async function developerDevice(token, identityId) {
  const credentials = fromCognitoIdentity({
    identityId, logins: { "cognito-identity.amazonaws.com": token }, clientConfig: { region: REGION, endpoint: server.endpoint },
  });
  const resolved = await credentials();
  return { client: new CognitoSyncClient({ region: REGION, endpoint: server.endpoint, credentials }), identityId: resolved.identityId, credentials };
}

test("v3: developer-authenticated: the backend's OpenID token gives every device the user's identity", async () => {
  const first = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "sam" }, TokenDuration: 600,
  }));
  const phone = await developerDevice(first.Token, first.IdentityId);
  assert.equal(phone.identityId, first.IdentityId);
  await v3Put(phone, "notes", "hello", "from the phone");

  // Later, on another device: the backend asks again for the same user and gets the same identity.
  const again = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "sam" },
  }));
  assert.equal(again.IdentityId, first.IdentityId);
  const laptop = await developerDevice(again.Token, again.IdentityId);
  const read = await v3Records(laptop, "notes");
  assert.equal(read.Records.find((r) => r.Key === "hello").Value, "from the phone");

  const looked = await backend().send(new LookupDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, DeveloperUserIdentifier: "sam" }));
  assert.equal(looked.IdentityId, first.IdentityId);
  assert.deepEqual(looked.DeveloperUserIdentifierList, ["sam"]);
  const described = await backend().send(new DescribeIdentityCommand({ IdentityId: first.IdentityId }));
  assert.deepEqual(described.Logins, [DEVELOPER_PROVIDER]);
  assert.ok(described.CreationDate instanceof Date);

  // Another identity's token does not open sam's identity, and devices cannot call the backend's API.
  const other = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "someone-else" },
  }));
  await assert.rejects(developerDevice(other.Token, first.IdentityId), (e) => e.name === "NotAuthorizedException");
  const device = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, credentials: fromCognitoIdentity({
    identityId: first.IdentityId, logins: { "cognito-identity.amazonaws.com": again.Token }, clientConfig: { region: REGION, endpoint: server.endpoint },
  }) });
  await assert.rejects(device.send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "mallory" },
  })), (e) => e.name === "NotAuthorizedException");
});

test("v3: a guest the backend links to its user carries on as the user, with the guest's data merged", async () => {
  const user = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "gina" },
  }));
  await v3Put(await developerDevice(user.Token, user.IdentityId), "garden", "tulips", "5");
  const guest = await v3Device(undefined);
  await v3Put(guest, "garden", "roses", "3");
  // The guest signs in: its backend links gina to the guest's identity, which merges it into gina's.
  const linked = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "gina" }, IdentityId: guest.identityId,
  }));
  assert.equal(linked.IdentityId, user.IdentityId);
  // The backend hands the device gina's identity id and token (the SDKs' way). A device that asks with
  // its guest id still is answered gina's identity (the way of clients that follow the answer, ours).
  const device = await developerDevice(linked.Token, linked.IdentityId);
  const identity = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint });
  const answer = await identity.send(new GetCredentialsForIdentityCommand({
    IdentityId: guest.identityId, Logins: { "cognito-identity.amazonaws.com": linked.Token },
  }));
  assert.equal(answer.IdentityId, user.IdentityId);
  const read = await v3Records(device, "garden");
  assert.deepEqual(read.MergedDatasetNames, [`garden.${guest.identityId}`]);
  // Without gina's token the guest id is gone.
  await assert.rejects(developerDevice(user.Token.replace(/.$/, "x"), guest.identityId),
                       (e) => e.name === "ResourceNotFoundException" || e.name === "NotAuthorizedException");
  const other = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "not-gina" },
  }));
  await assert.rejects(developerDevice(other.Token, guest.identityId), (e) => e.name === "ResourceNotFoundException");
});

test("v3: MergeDeveloperIdentities moves one user's data under the other's identity", async () => {
  const source = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "old-account" },
  }));
  const oldDevice = await developerDevice(source.Token, source.IdentityId);
  await v3Put(oldDevice, "game", "level", "12");
  const destination = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "new-account" },
  }));
  const merged = await backend().send(new MergeDeveloperIdentitiesCommand({
    IdentityPoolId: POOL_ID, DeveloperProviderName: DEVELOPER_PROVIDER,
    SourceUserIdentifier: "old-account", DestinationUserIdentifier: "new-account",
  }));
  assert.equal(merged.IdentityId, destination.IdentityId);
  // Both users now sign in to the destination, which holds the old account's data as a merged dataset.
  const looked = await backend().send(new LookupDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, IdentityId: destination.IdentityId }));
  assert.deepEqual(looked.DeveloperUserIdentifierList, ["new-account", "old-account"]);
  const token = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "old-account" },
  }));
  assert.equal(token.IdentityId, destination.IdentityId);
  const device = await developerDevice(token.Token, token.IdentityId);
  const mergedName = `game.${source.IdentityId}`;
  const records = await v3Records(device, mergedName);
  assert.equal(records.Records.find((r) => r.Key === "level").Value, "12");
  await assert.rejects(backend().send(new DescribeIdentityCommand({ IdentityId: source.IdentityId })),
                       (e) => e.name === "ResourceNotFoundException");
});

test("v3: the backend's calls refuse bad input with typed errors and change nothing", async () => {
  const send = (command) => backend().send(command);
  const rejects = (command, name) => assert.rejects(send(command), (e) => e.name === name);
  await rejects(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, Logins: { "other.example.com": "x" } }),
                "InvalidParameterException");
  await rejects(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "" } }),
                "InvalidParameterException");
  await rejects(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "tess" }, TokenDuration: 86401,
  }), "InvalidParameterException");
  await rejects(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "tess", [provider.name]: "not-a-token" },
  }), "NotAuthorizedException");
  // None of those made tess an identity.
  await rejects(new LookupDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, DeveloperUserIdentifier: "tess" }),
                "ResourceNotFoundException");

  const tess = await send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "tess" } }));
  const uma = await send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "uma" } }));
  // tess is uma's? No: a conflict, and both stay as they were.
  await rejects(new LookupDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, IdentityId: uma.IdentityId, DeveloperUserIdentifier: "tess" }),
                "ResourceConflictException");
  await rejects(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, IdentityId: uma.IdentityId, Logins: { [DEVELOPER_PROVIDER]: "tess" },
  }), "DeveloperUserAlreadyRegisteredException");
  const lookedTess = await send(new LookupDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, DeveloperUserIdentifier: "tess" }));
  assert.equal(lookedTess.IdentityId, tess.IdentityId);
  await rejects(new MergeDeveloperIdentitiesCommand({
    IdentityPoolId: POOL_ID, DeveloperProviderName: "login.other.app", SourceUserIdentifier: "tess", DestinationUserIdentifier: "uma",
  }), "InvalidParameterException");
  await rejects(new MergeDeveloperIdentitiesCommand({
    IdentityPoolId: POOL_ID, DeveloperProviderName: DEVELOPER_PROVIDER, SourceUserIdentifier: "nobody", DestinationUserIdentifier: "uma",
  }), "ResourceNotFoundException");
  await send(new DescribeIdentityCommand({ IdentityId: tess.IdentityId }));  // tess is still there
});

test("v3: UnlinkIdentity removes a login; the last one gone, the identity is disabled", async () => {
  const identity = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint });
  const login = () => ({ [provider.name]: provider.token("vera") });
  const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: POOL_ID, Logins: login() }));
  // Someone without vera's token cannot unlink it.
  await assert.rejects(identity.send(new UnlinkIdentityCommand({
    IdentityId, Logins: { [provider.name]: provider.token("mallory") }, LoginsToRemove: [provider.name],
  })), (e) => e.name === "NotAuthorizedException");
  await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: login() }));  // still hers
  await identity.send(new UnlinkIdentityCommand({ IdentityId, Logins: login(), LoginsToRemove: [provider.name] }));
  await assert.rejects(identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: login() })),
                       (e) => e.name === "NotAuthorizedException");
  await assert.rejects(identity.send(new GetCredentialsForIdentityCommand({ IdentityId })),
                       (e) => e.name === "NotAuthorizedException");
  // Her login is new again: the next sign-in makes a new identity.
  const again = await identity.send(new GetIdCommand({ IdentityPoolId: POOL_ID, Logins: login() }));
  assert.notEqual(again.IdentityId, IdentityId);

  // ListIdentities shows the disabled identity, unless HideDisabled.
  const listAll = async (HideDisabled) => {
    const ids = [];
    let NextToken;
    do {
      const page = await backend().send(new ListIdentitiesCommand({ IdentityPoolId: POOL_ID, MaxResults: 7, HideDisabled, NextToken }));
      assert.ok(page.Identities.length <= 7);
      ids.push(...page.Identities.map((i) => i.IdentityId));
      NextToken = page.NextToken;
    } while (NextToken);
    return ids;
  };
  const all = await listAll(false);
  assert.ok(all.includes(IdentityId) && all.includes(again.IdentityId));
  assert.equal(new Set(all).size, all.length);
  const enabled = await listAll(true);
  assert.ok(!enabled.includes(IdentityId) && enabled.includes(again.IdentityId));
});

test("v3: UnlinkDeveloperIdentity: the user is new again, the identity is disabled", async () => {
  const first = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "walt" },
  }));
  await assert.rejects(backend().send(new UnlinkDeveloperIdentityCommand({
    IdentityId: first.IdentityId, IdentityPoolId: POOL_ID, DeveloperProviderName: DEVELOPER_PROVIDER, DeveloperUserIdentifier: "not-walt",
  })), (e) => e.name === "ResourceNotFoundException");
  const device = await developerDevice(first.Token, first.IdentityId);
  await v3Put(device, "notes", "before", "unlink");
  await backend().send(new UnlinkDeveloperIdentityCommand({
    IdentityId: first.IdentityId, IdentityPoolId: POOL_ID, DeveloperProviderName: DEVELOPER_PROVIDER, DeveloperUserIdentifier: "walt",
  }));
  // The credentials the device holds stop working at once, and no new ones are given.
  await assert.rejects(v3Records(device, "notes"), (e) => e.name === "NotAuthorizedException");
  await assert.rejects(developerDevice(first.Token, first.IdentityId), (e) => e.name === "NotAuthorizedException");
  const again = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "walt" },
  }));
  assert.notEqual(again.IdentityId, first.IdentityId);
});

test("v3: DeleteIdentities deletes an identity and all it holds; the user is new again", async () => {
  const first = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "dora" },
  }));
  const device = await developerDevice(first.Token, first.IdentityId);
  await v3Put(device, "diary", "monday", "rain");
  const unknown = `${REGION}:00000000-0000-4000-8000-000000000000`;
  // A device may not delete, and a bad list deletes nothing.
  await assert.rejects(new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, credentials: device.credentials })
    .send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [first.IdentityId] })), (e) => e.name === "NotAuthorizedException");
  await assert.rejects(backend().send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [first.IdentityId, "not an id"] })),
                       (e) => e.name === "InvalidParameterException");
  assert.equal((await v3Records(device, "diary")).Records.find((r) => r.Key === "monday").Value, "rain");

  const answer = await backend().send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [first.IdentityId, unknown] }));
  assert.deepEqual(answer.UnprocessedIdentityIds, []);
  await assert.rejects(v3Records(device, "diary"), (e) => e.name === "NotAuthorizedException");
  await assert.rejects(backend().send(new DescribeIdentityCommand({ IdentityId: first.IdentityId })),
                       (e) => e.name === "ResourceNotFoundException");
  await assert.rejects(backend().send(new LookupDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, DeveloperUserIdentifier: "dora" })),
                       (e) => e.name === "ResourceNotFoundException");
  // Deleting again is no error; dora's next sign-in is a new, empty identity.
  await backend().send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [first.IdentityId] }));
  const again = await backend().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: "dora" },
  }));
  assert.notEqual(again.IdentityId, first.IdentityId);
  const fresh = await developerDevice(again.Token, again.IdentityId);
  assert.deepEqual((await v3Records(fresh, "diary")).Records, []);
});
