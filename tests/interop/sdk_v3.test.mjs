// @aws-sdk/client-cognito-sync (v3) with fromCognitoIdentityPool, unmodified, against synclatch-server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand, DeleteDatasetCommand, DescribeDatasetCommand,
  ListDatasetsCommand, DescribeIdentityUsageCommand,
} from "@aws-sdk/client-cognito-sync";
import { startServer, POOL_ID, REGION } from "./server.mjs";
import { newV3Device } from "./v3_device.mjs";

let server;
before(async () => {
  // Quotas raised so one identity can hold the 3,000-record paging dataset.
  server = await startServer(["--max-records-per-dataset", "5000", "--max-patches-per-request", "3000",
                              "--max-bytes-per-dataset", "10000000", "--max-body-bytes", "10000000"]);
});
after(async () => { await server.stop(); });

const newDevice = () => newV3Device(server.endpoint);

const ids = (device, DatasetName) => ({ IdentityPoolId: POOL_ID, IdentityId: device.identityId, DatasetName });

async function put(device, dataset, patches) {
  const listed = await device.client.send(new ListRecordsCommand({ ...ids(device, dataset), LastSyncCount: 0 }));
  return device.client.send(new UpdateRecordsCommand({
    ...ids(device, dataset), SyncSessionToken: listed.SyncSessionToken, DeviceId: "interop-v3", RecordPatches: patches,
  }));
}

test("v3: a new identity gets credentials", async () => {
  const device = await newDevice();
  assert.match(device.identityId, /^us-east-1:[0-9a-f-]{36}$/);
  assert.match(device.resolved.accessKeyId, /^ASIA/);
  assert.ok(device.resolved.sessionToken);
  assert.ok(device.resolved.expiration instanceof Date && device.resolved.expiration > new Date());
});

test("v3: ListRecords on a new dataset", async () => {
  const device = await newDevice();
  const out = await device.client.send(new ListRecordsCommand({ ...ids(device, "things"), LastSyncCount: 0, MaxResults: 1024 }));
  assert.equal(out.Count, 0);
  assert.equal(out.DatasetExists, false);
  assert.equal(out.DatasetSyncCount, 0);
  assert.deepEqual(out.Records, []);
  assert.ok(out.SyncSessionToken);
});

test("v3: UpdateRecords writes, ListRecords reads back", async () => {
  const device = await newDevice();
  const when = new Date(1700000000123);
  const out = await put(device, "things", [
    { Op: "replace", Key: "thing-1", Value: '{"name":"one"}', SyncCount: 0, DeviceLastModifiedDate: when },
  ]);
  assert.equal(out.Records.length, 1);
  assert.equal(out.Records[0].SyncCount, 1);
  const listed = await device.client.send(new ListRecordsCommand({ ...ids(device, "things"), LastSyncCount: 0 }));
  assert.equal(listed.DatasetSyncCount, 1);
  assert.equal(listed.Records[0].Value, '{"name":"one"}');
  assert.equal(listed.Records[0].DeviceLastModifiedDate.getTime(), when.getTime());
  assert.ok(listed.Records[0].LastModifiedDate instanceof Date);
});

test("v3: a stale SyncCount raises ResourceConflictException", async () => {
  const device = await newDevice();
  await put(device, "things", [{ Op: "replace", Key: "k", Value: "1", SyncCount: 0 }]);
  await assert.rejects(put(device, "things", [{ Op: "replace", Key: "k", Value: "2", SyncCount: 0 }]),
                       (e) => e.name === "ResourceConflictException" && e.$metadata.httpStatusCode === 409);
});

test("v3: a bad session token raises InvalidParameterException", async () => {
  const device = await newDevice();
  await assert.rejects(device.client.send(new UpdateRecordsCommand({
    ...ids(device, "things"), SyncSessionToken: "not-a-token", RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }],
  })), (e) => e.name === "InvalidParameterException");
});

test("v3: another identity's dataset raises NotAuthorizedException", async () => {
  const alice = await newDevice();
  const bob = await newDevice();
  await assert.rejects(bob.client.send(new ListRecordsCommand(ids(alice, "things"))),
                       (e) => e.name === "NotAuthorizedException" && e.$metadata.httpStatusCode === 403);
});

test("v3: a request with a wrong signature is refused", async () => {
  const device = await newDevice();
  const forged = new CognitoSyncClient({
    region: REGION, endpoint: server.endpoint,
    credentials: { ...device.resolved, secretAccessKey: "wrong-secret-wrong-secret-wrong-secret-00" },
  });
  await assert.rejects(forged.send(new ListRecordsCommand(ids(device, "things"))),
                       (e) => e.name === "NotAuthorizedException" && e.$metadata.httpStatusCode === 403);
});

test("v3: paging over 3,000 records with NextToken", async () => {
  const device = await newDevice();
  const patches = [];
  for (let i = 0; i < 3000; i++) patches.push({ Op: "replace", Key: `key-${i}`, Value: `value-${i}`, SyncCount: 0 });
  await put(device, "big", patches);
  const seen = new Set();
  let NextToken;
  let pages = 0;
  do {
    const page = await device.client.send(new ListRecordsCommand({ ...ids(device, "big"), LastSyncCount: 0, MaxResults: 1024, NextToken }));
    for (const r of page.Records) seen.add(r.Key);
    NextToken = page.NextToken;
    pages++;
  } while (NextToken);
  assert.equal(seen.size, 3000);
  assert.equal(pages, 3);
});

test("v3: DeleteDataset, then ListRecords reports the deletion", async () => {
  const device = await newDevice();
  await put(device, "doomed", [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]);
  const deleted = await device.client.send(new DeleteDatasetCommand(ids(device, "doomed")));
  assert.equal(deleted.Dataset.DatasetName, "doomed");
  const listed = await device.client.send(new ListRecordsCommand({ ...ids(device, "doomed"), LastSyncCount: 1 }));
  assert.equal(listed.DatasetExists, false);
  assert.equal(listed.DatasetDeletedAfterRequestedSyncCount, true);
  await assert.rejects(device.client.send(new DescribeDatasetCommand(ids(device, "doomed"))),
                       (e) => e.name === "ResourceNotFoundException");
});

test("v3: ListDatasets, DescribeDataset and DescribeIdentityUsage match what was written", async () => {
  const device = await newDevice();
  await put(device, "alpha", [{ Op: "replace", Key: "ab", Value: "cde", SyncCount: 0 }]);
  await put(device, "beta", [{ Op: "replace", Key: "k1", Value: "v1", SyncCount: 0 }, { Op: "replace", Key: "k2", Value: "v2", SyncCount: 0 }]);
  const datasets = await device.client.send(new ListDatasetsCommand({ IdentityPoolId: POOL_ID, IdentityId: device.identityId }));
  assert.deepEqual(datasets.Datasets.map((d) => d.DatasetName), ["alpha", "beta"]);
  const beta = await device.client.send(new DescribeDatasetCommand(ids(device, "beta")));
  assert.equal(beta.Dataset.NumRecords, 2);
  assert.equal(beta.Dataset.DataStorage, 8);
  assert.ok(beta.Dataset.CreationDate instanceof Date);
  const usage = await device.client.send(new DescribeIdentityUsageCommand({ IdentityPoolId: POOL_ID, IdentityId: device.identityId }));
  assert.equal(usage.IdentityUsage.DatasetCount, 2);
  assert.equal(usage.IdentityUsage.DataStorage, 13);
  assert.equal(usage.IdentityUsage.IdentityPoolId, POOL_ID);
});
