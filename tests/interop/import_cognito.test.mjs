// "Move off AWS without losing a record": a synclatch-server plays AWS (SigV4, a developer key, a developer
// provider) and apps fill it through the real, unmodified SDKs: devices on aws-sdk v2 with amazon-cognito-js's
// CognitoSyncManager (its own local store) and devices on the v3 clients that keep their identity id, sync
// counts and records themselves; guests and developer-authenticated users, updates, removals, a deleted
// dataset, and conflicts resolved on the way (onConflict; a retry after ResourceConflictException).
// `synclatch-server import-cognito` then copies the pool into a new store while the source still serves, and
// every device is pointed at a server on that store (the source switched off), keeping its cached identity id
// and local data. The target must read exactly as the source, users and guests must get their identities
// back, and each device's next sync must find no conflict and pull nothing but the one change made since,
// every value as before.
// Under tests/helpers/with_postgres the target is a new PostgreSQL database (--store).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AWS from "aws-sdk";
import {
  CognitoSyncClient, DeleteDatasetCommand, ListDatasetsCommand, ListRecordsCommand, UpdateRecordsCommand,
} from "@aws-sdk/client-cognito-sync";
import {
  CognitoIdentityClient, DescribeIdentityCommand, GetOpenIdTokenForDeveloperIdentityCommand, ListIdentitiesCommand,
  LookupDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import { fromCognitoIdentity, fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { freshStoreUrl, startServer, POOL_ID, REGION } from "./server.mjs";

// amazon-cognito-js adds AWS.CognitoSyncManager to aws-sdk v2's AWS object (its Node entry require()s the
// same aws-sdk; a browser page would have it as a global).
globalThis.AWS = AWS;
createRequire(import.meta.url)("amazon-cognito-js");

const DEVELOPER_PROVIDER = "login.interop.import";
const DEVELOPER_KEY = { accessKeyId: "AKIDIMPORTINTEROP", secretAccessKey: "import-interop-secret-00000000000000000000" };
const SERVER_ARGS = ["--developer-provider", DEVELOPER_PROVIDER,
                     "--admin-key", `${DEVELOPER_KEY.accessKeyId}:${DEVELOPER_KEY.secretAccessKey}`];

// The app's backend: it holds the developer key and gives its signed-in users an identity id and a token.
function backendSignIn(endpoint, user) {
  const backend = new CognitoIdentityClient({ region: REGION, endpoint, credentials: DEVELOPER_KEY });
  return backend.send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: POOL_ID, Logins: { [DEVELOPER_PROVIDER]: user },
  }));
}
const tokenLogin = (answer) => ({ "cognito-identity.amazonaws.com": answer.Token });

// What one sync of one dataset did on the wire and to the device.
const newCounts = () => ({ pulled: [], pushed: 0, conflicts: [], rejected: 0, deleted: false });

// A device on aws-sdk v2: AWS.CognitoIdentityCredentials and amazon-cognito-js's CognitoSyncManager. What
// survives an app restart is what a browser keeps in localStorage: the identity id (CognitoIdentityCredentials
// caches it there and reads it back; Node has no localStorage, so the app hands it back as IdentityId) and the
// sync manager's local store (its StoreInMemory on an object the device keeps).
class V2Device {
  constructor(name) {
    this.name = name;
    this.identityId = undefined;
    this.storage = {};
    this.datasetNames = new Set();
  }

  // Starts the app against endpoint; login: the backend's answer for a developer-authenticated user.
  async connect(endpoint, login) {
    AWS.config.update({ region: REGION, cognitosync: { endpoint }, cognitoidentity: { endpoint } });
    const params = { IdentityPoolId: POOL_ID };
    if (login) Object.assign(params, { IdentityId: login.IdentityId, Logins: tokenLogin(login) });
    else if (this.identityId) params.IdentityId = this.identityId;
    this.credentials = new AWS.CognitoIdentityCredentials(params);
    await this.credentials.getPromise();
    AWS.config.credentials = this.credentials;
    const storage = this.storage;
    class DeviceStore extends AWS.CognitoSyncManager.StoreInMemory {
      constructor() { super(); this.store = storage; }
    }
    this.manager = new AWS.CognitoSyncManager({ DataStore: DeviceStore });
    // Counts what crosses the wire: listeners on each request of the manager's CognitoSync client.
    this.manager.remote.client.customizeRequests((request) => {
      request.on("success", (response) => {
        if (!this.counts) return;
        if (request.operation === "listRecords") this.counts.pulled.push(...response.data.Records.map((r) => r.Key));
        if (request.operation === "updateRecords") this.counts.pushed += request.params.RecordPatches.length;
      });
      request.on("error", (error) => {
        if (error.code === "ResourceConflictException" && this.counts) this.counts.rejected++;
      });
    });
    this.identityId = this.credentials.identityId;
    return this.identityId;
  }

  dataset(name) {
    this.datasetNames.add(name);
    return new Promise((resolve, reject) => {
      this.manager.openOrCreateDataset(name, (err, dataset) => (err ? reject(err) : resolve(dataset)));
    });
  }

  async put(name, key, value) {
    const dataset = await this.dataset(name);
    await new Promise((resolve, reject) => dataset.put(key, value, (err) => (err ? reject(err) : resolve())));
  }

  async remove(name, key) {
    const dataset = await this.dataset(name);
    await new Promise((resolve, reject) => dataset.remove(key, (err) => (err ? reject(err) : resolve())));
  }

  // dataset.synchronize; a conflict is resolved with resolve(conflict) (default: the remote record).
  async sync(name, { resolve = (conflict) => conflict.resolveWithRemoteRecord() } = {}) {
    const dataset = await this.dataset(name);
    const counts = newCounts();
    this.counts = counts;
    try {
      await new Promise((done, fail) => dataset.synchronize({
        onSuccess: () => done(),
        onFailure: (err) => fail(err),
        onConflict: (ds, conflicts, carryOn) => {
          counts.conflicts.push(...conflicts.map((c) => c.getKey()));
          ds.resolve(conflicts.map(resolve), () => carryOn(true));
        },
        onDatasetDeleted: (ds, deleted, carryOn) => { counts.deleted = true; carryOn(true); },
        onDatasetsMerged: (ds, merged, carryOn) => carryOn(false),
      }));
    } finally {
      this.counts = undefined;
    }
    return counts;
  }

  // The device's records: key → value, null for a removed one (the sync manager reads a removed record's
  // missing Value back as "").
  async values(name) {
    const dataset = await this.dataset(name);
    const records = await new Promise((resolve, reject) => dataset.getAllRecords((err, r) => (err ? reject(err) : resolve(r))));
    return Object.fromEntries(records.map((r) => [r.getKey(), r.getValue() === "" || r.getValue() === null ? null : r.getValue()]));
  }
}

// A device on the v3 clients (@aws-sdk/client-cognito-sync): as an app would, it keeps its identity id (in
// fromCognitoIdentityPool's cache), and per dataset the last sync count and its records, and syncs as the
// SDKs' sync managers do: pull since the last sync count, settle conflicts, push what changed, and on
// ResourceConflictException pull again and retry.
class V3Device {
  constructor(name) {
    this.name = name;
    this.identityId = undefined;
    const items = new Map();
    this.cache = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => { items.set(k, v); }, removeItem: (k) => { items.delete(k); } };
    this.datasets = new Map();  // name → { lastSyncCount, records: Map key → { value, syncCount, modified, when } }
  }

  get datasetNames() { return new Set(this.datasets.keys()); }

  async connect(endpoint, login) {
    const clientConfig = { region: REGION, endpoint };
    const credentials = login
      ? fromCognitoIdentity({ identityId: login.IdentityId, logins: tokenLogin(login), clientConfig })
      : fromCognitoIdentityPool({ identityPoolId: POOL_ID, cache: this.cache, clientConfig });
    this.resolved = await credentials();
    this.identityId = this.resolved.identityId;
    this.client = new CognitoSyncClient({ region: REGION, endpoint, credentials });
    return this.identityId;
  }

  dataset(name) {
    if (!this.datasets.has(name)) this.datasets.set(name, { lastSyncCount: 0, records: new Map() });
    return this.datasets.get(name);
  }

  write(name, key, value) {
    const dataset = this.dataset(name);
    const record = dataset.records.get(key);
    dataset.records.set(key, { value, syncCount: record?.syncCount ?? 0, modified: true, when: new Date() });
  }
  async put(name, key, value) { this.write(name, key, value); }
  async remove(name, key) { this.write(name, key, null); }

  // resolve({key, local, remote}) → the value to keep; beforePush runs once between the pull and the push.
  async sync(name, { resolve = (conflict) => conflict.remote, beforePush } = {}) {
    const ids = { IdentityPoolId: POOL_ID, IdentityId: this.identityId, DatasetName: name };
    const dataset = this.dataset(name);
    const counts = newCounts();
    for (let attempt = 0; attempt < 4; attempt++) {
      const remote = [];
      let first;
      let NextToken;
      do {
        const page = await this.client.send(new ListRecordsCommand({ ...ids, LastSyncCount: dataset.lastSyncCount, MaxResults: 1024, NextToken }));
        first ??= page;
        remote.push(...(page.Records ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      if ((dataset.lastSyncCount !== 0 && !first.DatasetExists) || first.DatasetDeletedAfterRequestedSyncCount) {
        counts.deleted = true;
        this.datasets.delete(name);
        return counts;
      }
      counts.pulled.push(...remote.map((r) => r.Key));
      for (const r of remote) {
        const local = dataset.records.get(r.Key);
        const remoteValue = r.Value ?? null;
        if (local?.modified && local.value !== remoteValue) {
          counts.conflicts.push(r.Key);
          const value = resolve({ key: r.Key, local: local.value, remote: remoteValue });
          dataset.records.set(r.Key, { value, syncCount: r.SyncCount, modified: value !== remoteValue, when: new Date() });
        } else {
          dataset.records.set(r.Key, { value: remoteValue, syncCount: r.SyncCount, modified: false });
        }
      }
      dataset.lastSyncCount = first.DatasetSyncCount;
      const changed = [...dataset.records].filter(([, r]) => r.modified);
      if (changed.length === 0) return counts;
      await beforePush?.();
      beforePush = undefined;
      try {
        const out = await this.client.send(new UpdateRecordsCommand({
          ...ids, SyncSessionToken: first.SyncSessionToken, DeviceId: this.name,
          RecordPatches: changed.map(([Key, r]) => (r.value === null
            ? { Op: "remove", Key, SyncCount: r.syncCount, DeviceLastModifiedDate: r.when }
            : { Op: "replace", Key, Value: r.value, SyncCount: r.syncCount, DeviceLastModifiedDate: r.when })),
        }));
        counts.pushed += changed.length;
        for (const r of out.Records) dataset.records.set(r.Key, { value: r.Value ?? null, syncCount: r.SyncCount, modified: false });
        // Our own write is the next count: then nothing was missed in between (PROTOCOL.md §3.1).
        const written = Math.max(...out.Records.map((r) => r.SyncCount));
        if (written === dataset.lastSyncCount + 1) dataset.lastSyncCount = written;
        return counts;
      } catch (e) {
        if (e.name !== "ResourceConflictException") throw e;
        counts.rejected++;
      }
    }
    throw new Error(`${this.name}: ${name} did not settle after 4 attempts`);
  }

  async values(name) {
    return Object.fromEntries([...this.dataset(name).records].map(([key, r]) => [key, r.value]));
  }
}

// Everything the pool holds, as the developer key reads it: each identity (ListIdentities, DescribeIdentity,
// its developer user), its datasets and every record of each, tombstones included.
async function everything(endpoint) {
  const identity = new CognitoIdentityClient({ region: REGION, endpoint, credentials: DEVELOPER_KEY });
  const sync = new CognitoSyncClient({ region: REGION, endpoint, credentials: DEVELOPER_KEY });
  const strip = ({ $metadata, SyncSessionToken, NextToken, ...rest }) => rest;
  const listed = [];
  let NextToken;
  do {
    const page = await identity.send(new ListIdentitiesCommand({ IdentityPoolId: POOL_ID, MaxResults: 60, NextToken }));
    listed.push(...page.Identities);
    NextToken = page.NextToken;
  } while (NextToken);
  listed.sort((a, b) => a.IdentityId.localeCompare(b.IdentityId));
  const all = {};
  for (const listing of listed) {
    const { IdentityId } = listing;
    const one = { listing, described: strip(await identity.send(new DescribeIdentityCommand({ IdentityId }))) };
    if (one.described.Logins?.includes(DEVELOPER_PROVIDER)) {
      one.developerUsers = strip(await identity.send(new LookupDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, IdentityId })));
    }
    const datasets = await sync.send(new ListDatasetsCommand({ IdentityPoolId: POOL_ID, IdentityId, MaxResults: 60 }));
    one.datasets = datasets.Datasets;
    one.records = {};
    for (const { DatasetName } of datasets.Datasets) {
      const pages = [];
      let next;
      do {
        const page = await sync.send(new ListRecordsCommand({
          IdentityPoolId: POOL_ID, IdentityId, DatasetName, LastSyncCount: 0, MaxResults: 1024, NextToken: next,
        }));
        pages.push(strip(page));
        next = page.NextToken;
      } while (next);
      one.records[DatasetName] = pages;
    }
    all[IdentityId] = one;
  }
  return all;
}

// `synclatch-server import-cognito` with the developer key in its environment, as an operator runs it.
function runImport(sourceEndpoint, dataDir, store) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: DEVELOPER_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: DEVELOPER_KEY.secretAccessKey };
  for (const name of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "SYNCLATCH_STORE"]) delete env[name];
  const args = ["import-cognito", "--pool", POOL_ID, "--data", dataDir, ...(store ? ["--store", store] : []),
                "--endpoint", sourceEndpoint, "--requests-per-second", "10000", "--quiet"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.SYNCLATCH_SERVER_BINARY, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => { out += c; });
    child.stderr.on("data", (c) => { err += c; });
    const timer = setTimeout(() => child.kill("SIGKILL"), 40000);
    child.on("error", reject);
    child.on("close", (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
}

let source;
let target;
const targetDir = mkdtempSync(join(tmpdir(), "synclatch-import-target-"));
const targetStore = freshStoreUrl();

const guestPhone = new V2Device("v2-guest-phone");
const alicePhone = new V2Device("v2-alice-phone");
const aliceTablet = new V2Device("v2-alice-tablet");
const carolPhone = new V2Device("v2-carol-phone");
const guestBrowser = new V3Device("v3-guest-browser");
const bobLaptop = new V3Device("v3-bob-laptop");
const bobPhone = new V3Device("v3-bob-phone");
const carolDesktop = new V3Device("v3-carol-desktop");
const devices = [guestPhone, alicePhone, aliceTablet, carolPhone, guestBrowser, bobLaptop, bobPhone, carolDesktop];
const users = new Map([[alicePhone, "alice"], [aliceTablet, "alice"], [carolPhone, "carol"], [bobLaptop, "bob"],
                       [bobPhone, "bob"], [carolDesktop, "carol"]]);

const heldBefore = {};  // device name → dataset → values, once all had synced with the source
let sourceIdentities;
let sourceContents;

before(async () => {
  source = await startServer(SERVER_ARGS);
});
after(async () => {
  await target?.stop();
  await source?.stop();
  rmSync(targetDir, { recursive: true, force: true });
});

const expectCounts = (counts, expected, what) => assert.deepEqual(
  { pulled: counts.pulled.sort(), pushed: counts.pushed, conflicts: counts.conflicts, rejected: counts.rejected, deleted: counts.deleted },
  { pulled: [], pushed: 0, conflicts: [], rejected: 0, deleted: false, ...expected }, what);

async function connectAll(endpoint) {
  for (const device of devices) {
    const user = users.get(device);
    const cached = device.identityId;
    const login = user ? await backendSignIn(endpoint, user) : undefined;
    if (cached) {
      // Developer users get their identity back from the backend; guests keep theirs.
      if (login) assert.equal(login.IdentityId, cached, `${device.name}: ${user}'s identity id`);
      assert.equal(await device.connect(endpoint, login), cached, `${device.name}: the cached identity id`);
    } else {
      await device.connect(endpoint, login);
    }
  }
}

// Every device syncs every dataset it has until a whole round moves nothing.
async function settle() {
  for (let round = 0; round < 4; round++) {
    let moved = 0;
    for (const device of devices) {
      for (const name of device.datasetNames) {
        const counts = await device.sync(name);
        assert.deepEqual(counts.conflicts, [], `${device.name} ${name}: no conflict while settling`);
        moved += counts.pulled.length + counts.pushed;
      }
    }
    if (moved === 0) return;
  }
  assert.fail("the devices did not settle");
}

test("import: apps on the v2 and v3 SDKs fill the source, conflicts resolved on the way", async () => {
  await connectAll(source.endpoint);
  assert.equal(aliceTablet.identityId, alicePhone.identityId);
  assert.equal(bobPhone.identityId, bobLaptop.identityId);
  assert.equal(carolDesktop.identityId, carolPhone.identityId);
  assert.equal(new Set(devices.map((d) => d.identityId)).size, 5);

  // A v2 guest: updates and a removal.
  await guestPhone.put("settings", "volume", "3");
  await guestPhone.put("settings", "lang", "en");
  await guestPhone.put("settings", "tmp", "scratch");
  expectCounts(await guestPhone.sync("settings"), { pushed: 3 });
  await guestPhone.put("settings", "volume", "7");
  await guestPhone.remove("settings", "tmp");
  expectCounts(await guestPhone.sync("settings"), { pushed: 2 });
  await guestPhone.put("scores", "level-1", "1200");
  await guestPhone.put("scores", "level-2", "900");
  expectCounts(await guestPhone.sync("scores"), { pushed: 2 });

  // Alice on two v2 devices; both change her theme, and the tablet's onConflict keeps its own.
  await alicePhone.put("profile", "name", "Alice");
  await alicePhone.put("profile", "theme", "light");
  await alicePhone.put("notes", "note-1", "buy milk");
  await alicePhone.put("notes", "note-2", "call Bob");
  expectCounts(await alicePhone.sync("profile"), { pushed: 2 });
  expectCounts(await alicePhone.sync("notes"), { pushed: 2 });
  expectCounts(await aliceTablet.sync("profile"), { pulled: ["name", "theme"] });
  expectCounts(await aliceTablet.sync("notes"), { pulled: ["note-1", "note-2"] });
  await aliceTablet.remove("notes", "note-1");
  expectCounts(await aliceTablet.sync("notes"), { pushed: 1 });
  await alicePhone.put("profile", "theme", "dark");
  expectCounts(await alicePhone.sync("profile"), { pushed: 1 });
  await aliceTablet.put("profile", "theme", "solarized");
  expectCounts(await aliceTablet.sync("profile", { resolve: (c) => c.resolveWithLocalRecord() }),
               { pulled: ["theme"], pushed: 1, conflicts: ["theme"] });
  expectCounts(await alicePhone.sync("profile"), { pulled: ["theme"] });
  expectCounts(await alicePhone.sync("notes"), { pulled: ["note-1"] });
  assert.deepEqual(await alicePhone.values("profile"), { name: "Alice", theme: "solarized" });
  assert.deepEqual(await alicePhone.values("notes"), { "note-1": null, "note-2": "call Bob" });

  // A v3 guest: updates and a removal.
  await guestBrowser.put("prefs", "color", "blue");
  await guestBrowser.put("prefs", "font", "serif");
  await guestBrowser.put("prefs", "beta", "yes");
  expectCounts(await guestBrowser.sync("prefs"), { pushed: 3 });
  await guestBrowser.put("prefs", "color", "green");
  await guestBrowser.remove("prefs", "beta");
  expectCounts(await guestBrowser.sync("prefs"), { pushed: 2 });
  await guestBrowser.put("drafts", "d1", "Dear Sir");
  expectCounts(await guestBrowser.sync("drafts"), { pushed: 1 });

  // Bob on two v3 devices. The laptop's write lands between the phone's pull and push: the phone's push is
  // refused (409), it pulls again, keeps the higher level, and pushes on top of the laptop's.
  await bobLaptop.put("game", "level", "3");
  await bobLaptop.put("game", "coins", "10");
  expectCounts(await bobLaptop.sync("game"), { pushed: 2 });
  expectCounts(await bobPhone.sync("game"), { pulled: ["coins", "level"] });
  await bobPhone.put("game", "level", "7");
  await bobLaptop.put("game", "level", "5");
  const raced = await bobPhone.sync("game", {
    resolve: ({ local, remote }) => String(Math.max(Number(local), Number(remote))),
    beforePush: async () => expectCounts(await bobLaptop.sync("game"), { pushed: 1 }),
  });
  expectCounts(raced, { pulled: ["level"], pushed: 1, conflicts: ["level"], rejected: 1 });
  expectCounts(await bobLaptop.sync("game"), { pulled: ["level"] });
  assert.deepEqual(await bobLaptop.values("game"), { level: "7", coins: "10" });
  await bobLaptop.put("inventory", "sword", "1");
  await bobLaptop.put("inventory", "shield", "1");
  await bobLaptop.put("inventory", "potion", "3");
  expectCounts(await bobLaptop.sync("inventory"), { pushed: 3 });
  await bobLaptop.remove("inventory", "potion");
  expectCounts(await bobLaptop.sync("inventory"), { pushed: 1 });
  expectCounts(await bobPhone.sync("inventory"), { pulled: ["potion", "shield", "sword"] });
  await bobLaptop.put("scratch", "tmp", "1");
  expectCounts(await bobLaptop.sync("scratch"), { pushed: 1 });
  expectCounts(await bobPhone.sync("scratch"), { pulled: ["tmp"] });

  // Carol on a v2 phone and a v3 desktop: one identity, both SDKs.
  await carolPhone.put("journal", "day-1", "rain");
  await carolPhone.put("journal", "day-2", "sun");
  expectCounts(await carolPhone.sync("journal"), { pushed: 2 });
  expectCounts(await carolDesktop.sync("journal"), { pulled: ["day-1", "day-2"] });
  await carolDesktop.put("journal", "day-3", "snow");
  await carolDesktop.remove("journal", "day-1");
  expectCounts(await carolDesktop.sync("journal"), { pushed: 2 });
  expectCounts(await carolPhone.sync("journal"), { pulled: ["day-1", "day-3"] });

  await settle();
  for (const device of devices) {
    heldBefore[device.name] = {};
    for (const name of device.datasetNames) heldBefore[device.name][name] = await device.values(name);
  }
  // The devices of one identity agree.
  assert.deepEqual(heldBefore[aliceTablet.name], heldBefore[alicePhone.name]);
  assert.deepEqual(heldBefore[bobPhone.name], heldBefore[bobLaptop.name]);
  assert.deepEqual(heldBefore[carolDesktop.name], heldBefore[carolPhone.name]);
  assert.deepEqual(heldBefore[guestPhone.name].settings, { volume: "7", lang: "en", tmp: null });
  assert.deepEqual(heldBefore[bobPhone.name].inventory, { sword: "1", shield: "1", potion: null });

  // Bob's laptop deletes a dataset while his phone is offline: the phone learns it from the target.
  await bobLaptop.client.send(new DeleteDatasetCommand({ IdentityPoolId: POOL_ID, IdentityId: bobLaptop.identityId, DatasetName: "scratch" }));
  bobLaptop.datasets.delete("scratch");
  delete heldBefore[bobLaptop.name].scratch;

  // Offline, before the switch-over: one change on one device of each user with two devices.
  await alicePhone.put("profile", "status", "moving");
  await bobLaptop.put("inventory", "map", "1");
  await carolDesktop.put("journal", "day-4", "fog");
});

test("import: copies the pool from the running source into a new store and verifies it: 0 differences", async () => {
  sourceContents = await everything(source.endpoint);
  sourceIdentities = Object.keys(sourceContents);
  assert.equal(sourceIdentities.length, 5);
  const datasets = Object.values(sourceContents).reduce((n, one) => n + one.datasets.length, 0);
  const records = Object.values(sourceContents).reduce((n, one) => n + Object.values(one.records).flat()
    .reduce((m, page) => m + page.Records.length, 0), 0);

  const started = Date.now();
  const imported = await runImport(source.endpoint, targetDir, targetStore);
  const report = `exit ${imported.code} ${imported.signal ?? ""} after ${Date.now() - started} ms\n` +
                 `stdout:\n${imported.out}\nstderr:\n${imported.err}`;
  assert.equal(imported.code, 0, report);
  assert.match(imported.out, /; 0 differences\n$/, report);
  assert.match(imported.out, new RegExp(`^verified: 5 identities, ${datasets} datasets, ${records} records; 0 differences$`, "m"), report);
  assert.match(imported.out, new RegExp(`^import: 5 identities, ${datasets} datasets ` +
                                        `\\(copied ${datasets}, unchanged 0, removed 0\\), ${records} records$`, "m"), report);
});

test("import: the target answers every read as the source does", async () => {
  assert.ok(sourceContents, "the import ran");
  target = await startServer(SERVER_ARGS, { dataDir: targetDir, store: targetStore });
  assert.deepEqual(await everything(target.endpoint), sourceContents);
});

test("import: every device carries on against the target with its cached identity id and its local data", async () => {
  assert.ok(target, "the target server runs");
  // The source is switched off; the apps are updated to the new endpoints and restarted, and the backend
  // signs its users in on the target.
  await source.stop();
  source = undefined;
  await connectAll(target.endpoint);
  for (const device of devices) assert.ok(sourceIdentities.includes(device.identityId), device.name);
  assert.match(guestPhone.credentials.accessKeyId, /^ASIA/);
  assert.match(guestBrowser.resolved.accessKeyId, /^ASIA/);

  // The devices with the offline change push it, and nothing else moves; then the other devices of the
  // same users pull exactly that change, and every other device finds nothing new (Bob's phone finds
  // that the dataset deleted at the source is gone).
  const changed = new Map([[alicePhone, ["profile", "status"]], [bobLaptop, ["inventory", "map"]], [carolDesktop, ["journal", "day-4"]]]);
  const partner = new Map([[aliceTablet, ["profile", "status"]], [bobPhone, ["inventory", "map"]], [carolPhone, ["journal", "day-4"]]]);
  const order = [...changed.keys(), ...devices.filter((d) => !changed.has(d))];
  for (const device of order) {
    for (const name of device.datasetNames) {
      const counts = await device.sync(name);
      const [changedName, key] = changed.get(device) ?? partner.get(device) ?? [];
      const expected = name === changedName ? (changed.has(device) ? { pushed: 1 } : { pulled: [key] })
                     : device === bobPhone && name === "scratch" ? { deleted: true } : {};
      expectCounts(counts, expected, `${device.name} ${name}`);
    }
  }

  // Every value as before, and the change everywhere; what each device holds is what the target holds.
  const reader = new CognitoSyncClient({ region: REGION, endpoint: target.endpoint, credentials: DEVELOPER_KEY });
  for (const device of devices) {
    const expected = structuredClone(heldBefore[device.name]);
    const [name, key] = changed.get(device) ?? partner.get(device) ?? [];
    if (name) expected[name][key] = { status: "moving", map: "1", "day-4": "fog" }[key];
    if (device === bobPhone) delete expected.scratch;
    const now = {};
    for (const dataset of device.datasetNames) now[dataset] = await device.values(dataset);
    assert.deepEqual(now, expected, device.name);
    for (const [dataset, values] of Object.entries(now)) {
      const listed = await reader.send(new ListRecordsCommand({
        IdentityPoolId: POOL_ID, IdentityId: device.identityId, DatasetName: dataset, LastSyncCount: 0, MaxResults: 1024,
      }));
      assert.deepEqual(Object.fromEntries(listed.Records.map((r) => [r.Key, r.Value ?? null])), values,
                       `${device.name} ${dataset} on the target`);
    }
  }
});
