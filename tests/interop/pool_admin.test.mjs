// Pool administration with the unmodified AWS SDK v3 (@aws-sdk/client-cognito-identity): an operator's
// script makes an identity pool, devices use it at once (guests, the developer-authenticated flow),
// describes, lists, updates and deletes it, with Cognito's typed errors for what may not be done.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync";
import {
  CognitoIdentityClient, CreateIdentityPoolCommand, DescribeIdentityPoolCommand, UpdateIdentityPoolCommand,
  ListIdentityPoolsCommand, DeleteIdentityPoolCommand, GetIdCommand, GetOpenIdTokenForDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { startServer, POOL_ID, REGION } from "./server.mjs";

const DEVELOPER_KEY = { accessKeyId: "AKIDPOOLADMIN", secretAccessKey: "pool-admin-secret-pool-admin-secret-000" };
const USER_POOL = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example";

let server;
before(async () => {
  server = await startServer(["--admin-key", `${DEVELOPER_KEY.accessKeyId}:${DEVELOPER_KEY.secretAccessKey}`]);
});
after(async () => { await server.stop(); });

const admin = () => new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, credentials: DEVELOPER_KEY });
const anonymous = () => new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, credentials: { accessKeyId: "x", secretAccessKey: "y" } });

function storage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => { items.set(k, v); }, removeItem: (k) => { items.delete(k); } };
}

// A guest device of a pool: its credentials and a sync client.
async function guest(identityPoolId) {
  const credentials = fromCognitoIdentityPool({ identityPoolId, cache: storage(), clientConfig: { region: REGION, endpoint: server.endpoint } });
  const resolved = await credentials();
  return { identityId: resolved.identityId, sync: new CognitoSyncClient({ region: REGION, endpoint: server.endpoint, credentials }) };
}

async function put(device, identityPoolId, dataset, key, value) {
  const ids = { IdentityPoolId: identityPoolId, IdentityId: device.identityId, DatasetName: dataset };
  const listed = await device.sync.send(new ListRecordsCommand({ ...ids, LastSyncCount: 0 }));
  await device.sync.send(new UpdateRecordsCommand({
    ...ids, SyncSessionToken: listed.SyncSessionToken, DeviceId: "pool-admin",
    RecordPatches: [{ Op: "replace", Key: key, Value: value, SyncCount: 0 }],
  }));
  return (await device.sync.send(new ListRecordsCommand({ ...ids, LastSyncCount: 0 }))).Records;
}

const gamePool = {
  IdentityPoolName: "game players",
  AllowUnauthenticatedIdentities: true,
  DeveloperProviderName: "login.game.app",
  CognitoIdentityProviders: [{ ProviderName: USER_POOL, ClientId: "client1", ServerSideTokenCheck: false }],
  IdentityPoolTags: { team: "games" },
};

test("v3: a pool made by CreateIdentityPool serves devices at once, and is described as made", async () => {
  const made = await admin().send(new CreateIdentityPoolCommand(gamePool));
  assert.match(made.IdentityPoolId, /^us-east-1:[0-9a-f-]{36}$/);
  assert.equal(made.IdentityPoolName, "game players");
  const device = await guest(made.IdentityPoolId);
  assert.ok(device.identityId.startsWith("us-east-1:"));
  const records = await put(device, made.IdentityPoolId, "scores", "level", "7");
  assert.equal(records.find((r) => r.Key === "level").Value, "7");
  // Its developer provider is the pool's, not the default pool's.
  const token = await admin().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: made.IdentityPoolId, Logins: { "login.game.app": "player-1" },
  }));
  assert.ok(token.Token);
  await assert.rejects(admin().send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { "login.game.app": "player-1" },
  })), (e) => e.name === "InvalidParameterException");

  const described = await admin().send(new DescribeIdentityPoolCommand({ IdentityPoolId: made.IdentityPoolId }));
  assert.equal(described.IdentityPoolName, "game players");
  assert.equal(described.AllowUnauthenticatedIdentities, true);
  assert.equal(described.DeveloperProviderName, "login.game.app");
  assert.deepEqual(described.CognitoIdentityProviders, gamePool.CognitoIdentityProviders);
  assert.deepEqual(described.IdentityPoolTags, { team: "games" });
});

test("v3: ListIdentityPools pages over every pool, the configured ones too", async () => {
  const names = ["alpha", "beta", "gamma"];
  const made = [];
  for (const IdentityPoolName of names)
    made.push((await admin().send(new CreateIdentityPoolCommand({ IdentityPoolName, AllowUnauthenticatedIdentities: false }))).IdentityPoolId);
  const listed = [];
  let NextToken;
  do {
    const page = await admin().send(new ListIdentityPoolsCommand({ MaxResults: 2, NextToken }));
    assert.ok(page.IdentityPools.length <= 2);
    listed.push(...page.IdentityPools);
    NextToken = page.NextToken;
  } while (NextToken);
  const ids = listed.map((p) => p.IdentityPoolId);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes(POOL_ID));
  for (let i = 0; i < names.length; ++i)
    assert.equal(listed.find((p) => p.IdentityPoolId === made[i]).IdentityPoolName, names[i]);
});

test("v3: UpdateIdentityPool changes what devices may do; the developer provider stays", async () => {
  const { IdentityPoolId } = await admin().send(new CreateIdentityPoolCommand(gamePool));
  await guest(IdentityPoolId);  // guests allowed
  const updated = await admin().send(new UpdateIdentityPoolCommand({ ...gamePool, IdentityPoolId, IdentityPoolName: "renamed", AllowUnauthenticatedIdentities: false }));
  assert.equal(updated.IdentityPoolName, "renamed");
  await assert.rejects(anonymous().send(new GetIdCommand({ IdentityPoolId })), (e) => e.name === "NotAuthorizedException");
  await assert.rejects(admin().send(new UpdateIdentityPoolCommand({ ...gamePool, IdentityPoolId, DeveloperProviderName: "login.other.app" })),
                       (e) => e.name === "InvalidParameterException");
  const described = await admin().send(new DescribeIdentityPoolCommand({ IdentityPoolId }));
  assert.equal(described.IdentityPoolName, "renamed");
  assert.equal(described.AllowUnauthenticatedIdentities, false);
});

test("v3: what may not be done is refused with Cognito's errors and changes nothing", async () => {
  // Not the developer.
  const device = await guest(POOL_ID);
  const asDevice = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, credentials: fromCognitoIdentityPool({ identityPoolId: POOL_ID, cache: storage(), clientConfig: { region: REGION, endpoint: server.endpoint } }) });
  await assert.rejects(asDevice.send(new CreateIdentityPoolCommand(gamePool)), (e) => e.name === "NotAuthorizedException");
  assert.ok(device.identityId);
  // Providers this server cannot check, bad names.
  await assert.rejects(admin().send(new CreateIdentityPoolCommand({ ...gamePool, SupportedLoginProviders: { "graph.facebook.com": "123" } })),
                       (e) => e.name === "InvalidParameterException" && /SupportedLoginProviders/.test(e.message));
  await assert.rejects(admin().send(new CreateIdentityPoolCommand({ ...gamePool, OpenIdConnectProviderARNs: ["arn:aws:iam::123456789012:oidc-provider/example.com"] })),
                       (e) => e.name === "InvalidParameterException");
  await assert.rejects(admin().send(new CreateIdentityPoolCommand({ ...gamePool, IdentityPoolName: "bad/name" })),
                       (e) => e.name === "InvalidParameterException");
  // The pools of the server's options are changed where they are set.
  await assert.rejects(admin().send(new UpdateIdentityPoolCommand({ ...gamePool, IdentityPoolId: POOL_ID })),
                       (e) => e.name === "InvalidParameterException");
  await assert.rejects(admin().send(new DeleteIdentityPoolCommand({ IdentityPoolId: POOL_ID })),
                       (e) => e.name === "InvalidParameterException");
  await guest(POOL_ID);  // still serves
  const unknown = "us-east-1:11111111-2222-4333-8444-555555555555";
  await assert.rejects(admin().send(new DescribeIdentityPoolCommand({ IdentityPoolId: unknown })), (e) => e.name === "ResourceNotFoundException");
});

test("v3: DeleteIdentityPool deletes the pool and its identities; their credentials stop working", async () => {
  const { IdentityPoolId } = await admin().send(new CreateIdentityPoolCommand(gamePool));
  const device = await guest(IdentityPoolId);
  await put(device, IdentityPoolId, "scores", "level", "3");
  await admin().send(new DeleteIdentityPoolCommand({ IdentityPoolId }));
  await assert.rejects(admin().send(new DescribeIdentityPoolCommand({ IdentityPoolId })), (e) => e.name === "ResourceNotFoundException");
  await assert.rejects(anonymous().send(new GetIdCommand({ IdentityPoolId })), (e) => e.name === "ResourceNotFoundException");
  await assert.rejects(put(device, IdentityPoolId, "scores", "level", "4"), (e) => e.name === "NotAuthorizedException");
  await assert.rejects(admin().send(new DeleteIdentityPoolCommand({ IdentityPoolId })), (e) => e.name === "ResourceNotFoundException");
});
