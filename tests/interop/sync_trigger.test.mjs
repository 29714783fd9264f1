// A SyncTrigger that rejects changes, seen through the unmodified AWS SDK v3 (@aws-sdk/client-cognito-sync):
// the developer sets a webhook with SetCognitoEvents; a patch the hook leaves out is not written, and the
// UpdateRecords answer carries the server's record for its key (the stored one, or the bare key at sync
// count 0 when there is none), so an SDK client settles on it as on any answered record.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import {
  CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand, SetCognitoEventsCommand,
} from "@aws-sdk/client-cognito-sync";
import { startServer, POOL_ID, REGION } from "./server.mjs";
import { newV3Device } from "./v3_device.mjs";

const DEVELOPER_KEY = { accessKeyId: "AKIDTRIGGERADMIN", secretAccessKey: "trigger-admin-secret-0000000000000000" };

// The hook: leaves out every record whose new value starts with "banned", keeps the rest as sent.
function rejectBanned(event) {
  for (const [key, record] of Object.entries(event.datasetRecords)) {
    if (typeof record.newValue === "string" && record.newValue.startsWith("banned")) delete event.datasetRecords[key];
  }
  return event;
}

let server;
let hook;
before(async () => {
  server = await startServer(["--admin-key", `${DEVELOPER_KEY.accessKeyId}:${DEVELOPER_KEY.secretAccessKey}`]);
  hook = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(rejectBanned(JSON.parse(Buffer.concat(chunks).toString()))));
    });
  });
  await new Promise((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const admin = new CognitoSyncClient({ region: REGION, endpoint: server.endpoint, credentials: DEVELOPER_KEY });
  await admin.send(new SetCognitoEventsCommand({
    IdentityPoolId: POOL_ID, Events: { SyncTrigger: `http://127.0.0.1:${hook.address().port}/hook` },
  }));
});
after(async () => {
  await server.stop();
  hook.close();
});

const newDevice = () => newV3Device(server.endpoint);

const ids = (device) => ({ IdentityPoolId: POOL_ID, IdentityId: device.identityId, DatasetName: "profile" });

async function update(device, patches) {
  const listed = await device.client.send(new ListRecordsCommand({ ...ids(device), LastSyncCount: 0 }));
  return device.client.send(new UpdateRecordsCommand({
    ...ids(device), SyncSessionToken: listed.SyncSessionToken, DeviceId: "interop-trigger", RecordPatches: patches,
  }));
}

const byKey = (records) => Object.fromEntries(records.map((r) => [r.Key, r]));

test("v3: a patch the SyncTrigger drops is answered with the server's record, and nothing is written", async () => {
  const device = await newDevice();
  const first = await update(device, [{ Op: "replace", Key: "nick", Value: "ada", SyncCount: 0 }]);
  assert.equal(first.Records[0].SyncCount, 1);

  const out = byKey((await update(device, [
    { Op: "replace", Key: "nick", Value: "banned word", SyncCount: 1 },
    { Op: "replace", Key: "new-key", Value: "banned too", SyncCount: 0 },
    { Op: "replace", Key: "color", Value: "teal", SyncCount: 0 },
  ])).Records);
  assert.deepEqual(Object.keys(out).sort(), ["color", "new-key", "nick"]);
  assert.equal(out.color.Value, "teal");
  assert.equal(out.color.SyncCount, 2);
  assert.equal(out.nick.Value, "ada");          // the stored record, unchanged
  assert.equal(out.nick.SyncCount, 1);
  assert.equal(out["new-key"].Value, undefined);  // never stored: the bare key
  assert.equal(out["new-key"].SyncCount, 0);

  const listed = await device.client.send(new ListRecordsCommand({ ...ids(device), LastSyncCount: 0 }));
  assert.equal(listed.DatasetSyncCount, 2);
  assert.deepEqual(listed.Records.map((r) => [r.Key, r.Value]).sort(), [["color", "teal"], ["nick", "ada"]]);
});

test("v3: when the SyncTrigger drops every patch, nothing is written and the count stays", async () => {
  const device = await newDevice();
  await update(device, [{ Op: "replace", Key: "nick", Value: "ada", SyncCount: 0 }]);
  const out = await update(device, [{ Op: "replace", Key: "nick", Value: "banned", SyncCount: 1 }]);
  assert.deepEqual(out.Records.map((r) => [r.Key, r.Value, r.SyncCount]), [["nick", "ada", 1]]);
  const listed = await device.client.send(new ListRecordsCommand({ ...ids(device), LastSyncCount: 0 }));
  assert.equal(listed.DatasetSyncCount, 1);
});

test("v3: a stale patch fails with ResourceConflictException before the SyncTrigger runs, dropped or not", async () => {
  const device = await newDevice();
  await update(device, [{ Op: "replace", Key: "nick", Value: "ada", SyncCount: 0 }]);
  await update(device, [{ Op: "replace", Key: "nick", Value: "grace", SyncCount: 1 }]);
  await assert.rejects(update(device, [{ Op: "replace", Key: "nick", Value: "banned", SyncCount: 1 }]),
                       (e) => e.name === "ResourceConflictException");
});
