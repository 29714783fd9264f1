// aws-sdk v2: AWS.CognitoSync with AWS.CognitoIdentityCredentials, unmodified, against synclatch-server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import AWS from "aws-sdk";
import { startServer, POOL_ID, REGION } from "./server.mjs";

let server;
before(async () => {
  server = await startServer();
  // As an app points v2 at its own endpoint (PROTOCOL.md §6).
  AWS.config.update({ region: REGION, cognitosync: { endpoint: server.endpoint }, cognitoidentity: { endpoint: server.endpoint } });
});
after(async () => { await server.stop(); });

// A new identity with its own credentials and CognitoSync client, as PROTOCOL.md §6 configures v2.
async function newDevice() {
  const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: POOL_ID });
  credentials.clearCachedId();  // v2 keeps the last identity id in process-wide storage
  await credentials.getPromise();
  const sync = new AWS.CognitoSync({ credentials });
  return { sync, identityId: credentials.identityId, credentials };
}

const ids = (device, DatasetName) => ({ IdentityPoolId: POOL_ID, IdentityId: device.identityId, DatasetName });

test("v2: CognitoIdentityCredentials gets an identity and credentials", async () => {
  const device = await newDevice();
  assert.match(device.identityId, /^us-east-1:[0-9a-f-]{36}$/);
  assert.match(device.credentials.accessKeyId, /^ASIA/);
  assert.ok(device.credentials.expireTime > new Date());
});

test("v2: ListRecords, UpdateRecords, and a conflict", async () => {
  const device = await newDevice();
  const first = await device.sync.listRecords({ ...ids(device, "things"), LastSyncCount: 0 }).promise();
  assert.equal(first.DatasetExists, false);
  assert.equal(first.Count, 0);
  const written = await device.sync.updateRecords({
    ...ids(device, "things"), SyncSessionToken: first.SyncSessionToken, DeviceId: "interop-v2",
    RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0, DeviceLastModifiedDate: new Date(1700000000500) }],
  }).promise();
  assert.equal(written.Records[0].SyncCount, 1);
  const second = await device.sync.listRecords({ ...ids(device, "things"), LastSyncCount: 0 }).promise();
  assert.equal(second.DatasetSyncCount, 1);
  assert.equal(second.Records[0].Value, "v");
  assert.equal(second.Records[0].DeviceLastModifiedDate.getTime(), 1700000000500);
  await assert.rejects(device.sync.updateRecords({
    ...ids(device, "things"), SyncSessionToken: second.SyncSessionToken,
    RecordPatches: [{ Op: "replace", Key: "k", Value: "stale", SyncCount: 0 }],
  }).promise(), (e) => e.code === "ResourceConflictException" && e.statusCode === 409);
});

test("v2: bad token, another identity, and a wrong signature are refused with their types", async () => {
  const alice = await newDevice();
  const bob = await newDevice();
  await assert.rejects(alice.sync.updateRecords({
    ...ids(alice, "things"), SyncSessionToken: "bogus", RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }],
  }).promise(), (e) => e.code === "InvalidParameterException");
  await assert.rejects(bob.sync.listRecords(ids(alice, "things")).promise(),
                       (e) => e.code === "NotAuthorizedException" && e.statusCode === 403);
  const forged = new AWS.CognitoSync({
    credentials: new AWS.Credentials(alice.credentials.accessKeyId, "wrong-secret", alice.credentials.sessionToken),
  });
  await assert.rejects(forged.listRecords(ids(alice, "things")).promise(), (e) => e.code === "NotAuthorizedException");
});

test("v2: DeleteDataset and the dataset descriptions", async () => {
  const device = await newDevice();
  const token = (await device.sync.listRecords(ids(device, "things")).promise()).SyncSessionToken;
  await device.sync.updateRecords({
    ...ids(device, "things"), SyncSessionToken: token,
    RecordPatches: [{ Op: "replace", Key: "abc", Value: "defg", SyncCount: 0 }],
  }).promise();
  const described = await device.sync.describeDataset(ids(device, "things")).promise();
  assert.equal(described.Dataset.NumRecords, 1);
  assert.equal(described.Dataset.DataStorage, 7);
  const listed = await device.sync.listDatasets({ IdentityPoolId: POOL_ID, IdentityId: device.identityId }).promise();
  assert.deepEqual(listed.Datasets.map((d) => d.DatasetName), ["things"]);
  await device.sync.deleteDataset(ids(device, "things")).promise();
  const after = await device.sync.listRecords({ ...ids(device, "things"), LastSyncCount: 1 }).promise();
  assert.equal(after.DatasetExists, false);
  assert.equal(after.DatasetDeletedAfterRequestedSyncCount, true);
});

test("v2: CognitoIdentity.getOpenIdToken answers a JWT for the identity", async () => {
  const device = await newDevice();
  const identity = new AWS.CognitoIdentity({ endpoint: server.endpoint });
  const answer = await identity.getOpenIdToken({ IdentityId: device.identityId }).promise();
  assert.equal(answer.IdentityId, device.identityId);
  const claims = JSON.parse(Buffer.from(answer.Token.split(".")[1], "base64url").toString());
  assert.equal(claims.sub, device.identityId);
  assert.equal(claims.aud, POOL_ID);
  await assert.rejects(identity.getOpenIdToken({ IdentityId: "us-east-1:00000000-0000-4000-8000-000000000099" }).promise(),
                       (e) => e.code === "ResourceNotFoundException");
});
