// The Yjs side of bench/sync_bench: the same two-device workload with Yjs 13 documents syncing over
// y-websocket through @y/websocket-server, y-leveldb on both sides. Prints one JSON object on stdout in
// the shape of bench/pouchdb/sync_bench.mjs (progress goes to stderr); sync_bench reads it and prints
// the comparison.
//
// The model: the dataset is one Y.Doc holding one Y.Map of key -> value (the same keys and 100-byte
// values as sync_bench); a device writes in transactions of 10,000 (doc.transact). Three kinds of Node
// process, as on the other sides:
//   - the server: @y/websocket-server's setupWSConnection behind a ws server on 127.0.0.1 (a free port),
//     its documents persisted with y-leveldb into a temp dir through the package's setPersistence hook.
//     The package's own YPERSISTENCE persistence stores each update without waiting for the write, so
//     nothing could tell when the server has stored what it received; the hook here does the same
//     (y-leveldb's storeUpdate for every update, the stored state loaded first) but keeps the pending
//     writes, and a small HTTP endpoint of the same process, POST /wait/<doc> with a state vector,
//     answers once the server's document covers that state vector and every write so far is stored.
//   - one process per device (forked, commands over IPC): its Y.Doc, its own y-leveldb dir (every
//     update stored, the stored state loaded at start), a WebsocketProvider with ws as its
//     WebSocketPolyfill, no BroadcastChannel.
// Neither side syncs LevelDB's writes to disk: y-leveldb writes without {sync: true}, so a write is in
// the OS page cache, not durable, when it counts as stored here. There is no authentication.
//
// What is timed (wall time, process.hrtime in the device processes; the 'synced' event of y-websocket
// is not enough, since it only says the client has received the server's state):
//   write           A, offline, writes N in transactions of 10,000, until its y-leveldb has stored them.
//   push            A connects; until the server's document covers A's state vector and the server has
//                   stored it (the /wait answer) and A is synced.
//   pull            B, empty, connects; until B is synced, its map holds N and its y-leveldb stored them.
//   first_sync      Yjs keeps no checkpoint and a live connection has nothing to sync, so the honest
//                   equivalent of "a device's first two-way sync after that" is a fresh connection:
//                   A drops its connection and connects again, until it is synced, the server covers
//                   its state vector and everything is stored on both sides; then B the same (sum).
//   changed_a_to_b  both connected (live, as Yjs is used): from just before A's transaction of 100
//                   changed records (included: a local write of 100 map entries) until both the server
//                   has stored them (A's /wait) and B's map holds them and B's y-leveldb stored them.
//                   B's end time is taken in B's process; both use CLOCK_MONOTONIC (process.hrtime).
//   changed_b_to_a  the same the other way.
//   noop            A drops its connection and connects again with nothing new, timed as first_sync.
// The other sides' extra round before the no-op (to record what each received) has nothing to do here.
// Requests: WebSocket messages the client sent in the phase (counted by a subclass of ws's WebSocket
// handed to the provider: sync steps, updates, awareness), as there are no HTTP requests; the /wait
// requests are the benchmark's instrumentation and are not counted.
//
// usage: node sync_bench.mjs [--records N]...
//   --records N     records per run (repeatable, or a comma-separated list; default 10000,100000)
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { currentRssKb, keyOf, parseRecordsList, peakRssKb, valueOf, versionOf } from '../node_common.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const kWriteBatch = 10000;  // records per transaction, as sync_bench writes 10,000 per put_all
const kDocName = 'bench';   // the dataset
const kMapName = 'records';
const kFromStore = Symbol('loaded from y-leveldb');  // the origin of updates read back from the store

function log(...args) {
  process.stderr.write(`yjs: ${args.join(' ')}\n`);
}

const now = () => process.hrtime.bigint();
const msBetween = (start, end) => Number(end - start) / 1e6;

// ---------------------------------------------------------------- y-leveldb, on both sides

// A y-leveldb store that keeps its writes in flight, so a caller can wait until they are stored.
class TrackedStore {
  constructor(Y, LeveldbPersistence, dir) {
    this.Y = Y;
    this.ldb = new LeveldbPersistence(dir);
    this.pending = new Set();
  }

  track(promise) {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise));
    return promise;
  }

  // Stores every later update of doc (those it loads excepted) and loads what was stored before.
  bind(docName, doc) {
    doc.on('update', (update, origin) => {
      if (origin !== kFromStore) this.track(this.ldb.storeUpdate(docName, update));
    });
    return this.track((async () => {
      const stored = await this.ldb.getYDoc(docName);
      this.Y.applyUpdate(doc, this.Y.encodeStateAsUpdate(stored), kFromStore);
      stored.destroy();
    })());
  }

  // Until nothing is in flight (a write started while waiting is waited for too).
  async drained() {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

// Whether doc has seen everything a state vector (Map client -> clock) describes.
function covers(Y, doc, target) {
  const have = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const [client, clock] of target) {
    if ((have.get(client) ?? 0) < clock) return false;
  }
  return true;
}

// ---------------------------------------------------------------- the server (a forked process)

async function runServer(dir) {
  const Y = await import('yjs');
  const { LeveldbPersistence } = await import('y-leveldb');
  const { WebSocketServer } = await import('ws');
  const { setupWSConnection, setPersistence, docs } = await import('@y/websocket-server/utils');
  const store = new TrackedStore(Y, LeveldbPersistence, dir);
  setPersistence({
    provider: store.ldb,
    bindState: (docName, doc) => store.bind(docName, doc),
    // When its last connection closes: everything is stored as it comes, so only wait for it.
    writeState: () => store.drained(),
  });
  const startRssKb = currentRssKb();

  // Until the server's document covers target and every write so far is stored: {size}.
  const waitFor = async (docName, target) => {
    for (;;) {
      const doc = docs.get(docName);
      if (doc && covers(Y, doc, target)) {
        await store.drained();
        return { size: doc.getMap(kMapName).size };
      }
      // The next update, or a new look in a while (the document may not exist yet or be replaced).
      await new Promise((resolve) => {
        const timer = setTimeout(done, 20);
        function done() {
          clearTimeout(timer);
          doc?.off('update', done);
          resolve();
        }
        doc?.on('update', done);
      });
    }
  };

  const server = http.createServer((request, response) => {
    const answer = (status, body) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      try {
        if (request.method === 'POST' && request.url.startsWith('/wait/')) {
          const target = Y.decodeStateVector(new Uint8Array(Buffer.concat(chunks)));
          answer(200, await waitFor(decodeURIComponent(request.url.slice(6)), target));
        } else if (request.method === 'GET' && request.url === '/memory') {
          answer(200, { start_rss_kb: startRssKb, rss_kb: currentRssKb(), peak_rss_kb: peakRssKb() });
        } else {
          answer(404, { error: 'not found' });
        }
      } catch (e) {
        answer(500, { error: String(e && e.stack ? e.stack : e) });
      }
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', setupWSConnection);
  server.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  server.listen(0, '127.0.0.1', () => process.send({ ok: true, port: server.address().port }));
  process.on('message', async (message) => {
    if (message.cmd !== 'quit') return;
    await store.drained();
    await store.ldb.destroy();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- a device (a forked process)

async function runDevice(dir, url) {
  const Y = await import('yjs');
  const { LeveldbPersistence } = await import('y-leveldb');
  const { WebsocketProvider } = await import('y-websocket');
  const { WebSocket } = await import('ws');
  let messages = 0;
  class CountingWebSocket extends WebSocket {
    send(...args) {
      ++messages;
      return super.send(...args);
    }
  }

  const doc = new Y.Doc();
  const map = doc.getMap(kMapName);
  const store = new TrackedStore(Y, LeveldbPersistence, dir);
  await store.bind(kDocName, doc);
  const wsUrl = url.replace(/^http/, 'ws');
  const provider = new WebsocketProvider(wsUrl, kDocName, doc, {
    connect: false,  // offline until the workload's first sync
    WebSocketPolyfill: CountingWebSocket,
    disableBc: true,  // no other tab to talk to; Node's BroadcastChannel is per process anyway
  });
  const startRssKb = currentRssKb();

  const timed = async (work) => {
    const before = messages;
    const start = now();
    const detail = await work(start);
    const end = now();
    return { ms: msBetween(start, end), requests: messages - before, start: String(start), end: String(end),
             ...detail };
  };
  const synced = () => new Promise((resolve) => {
    if (provider.synced) return resolve();
    const on = (state) => {
      if (!state) return;
      provider.off('sync', on);
      resolve();
    };
    provider.on('sync', on);
  });
  // Until the server's document covers the given state vector and the server stored it.
  const serverHolds = async (stateVector) => {
    const answer = await fetch(`${url}/wait/${encodeURIComponent(kDocName)}`,
                               { method: 'POST', body: stateVector });
    if (!answer.ok) throw new Error(`/wait: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };
  // Until a predicate over the map holds, checked after each update.
  const mapSatisfies = (predicate) => new Promise((resolve) => {
    if (predicate()) return resolve();
    const on = () => {
      if (!predicate()) return;
      doc.off('update', on);
      resolve();
    };
    doc.on('update', on);
  });
  const writeRange = (from, count, round) => {
    for (let at = from; at < from + count; at += kWriteBatch) {
      const end = Math.min(from + count, at + kWriteBatch);
      doc.transact(() => {
        for (let i = at; i < end; ++i) map.set(keyOf(i), valueOf(i, round));
      });
    }
  };
  const holds = (from, count, round) => () => {
    for (let i = from; i < from + count; ++i) {
      if (map.get(keyOf(i)) !== valueOf(i, round)) return false;
    }
    return true;
  };
  // A fresh connection (the live one, if any, dropped first, untimed) until the two-way sync is done.
  const connect = ({ records }) => {
    provider.disconnect();
    return timed(async () => {
      const stateVector = Y.encodeStateVector(doc);
      provider.connect();
      const [server] = await Promise.all([
        serverHolds(stateVector),
        synced(),
        records ? mapSatisfies(() => map.size >= records) : null,
      ]);
      await store.drained();
      return { server_size: server.size };
    });
  };
  let watching = null;

  const commands = {
    write: ({ n }) => timed(async () => {
      writeRange(0, n, 0);
      await store.drained();
      return {};
    }),
    connect,
    // Live: a change while connected, until the server has stored it (the provider sent it as the
    // transaction ended).
    change: ({ from, count, round }) => timed(async () => {
      writeRange(from, count, round);
      await Promise.all([serverHolds(Y.encodeStateVector(doc)), store.drained()]);
      return {};
    }),
    // Live: starts watching for another device's change; 'watched' answers when it is here and stored.
    watch: async ({ from, count, round }) => {
      const before = messages;
      watching = (async () => {
        await mapSatisfies(holds(from, count, round));
        await store.drained();
        return { end: String(now()), requests: messages - before };
      })();
      return {};
    },
    watched: async () => {
      const result = await watching;
      watching = null;
      return result;
    },
    count: async () => ({ records: map.size }),
    value: async ({ index }) => ({ value: map.get(keyOf(index)) ?? null }),
    memory: async () => ({ start_rss_kb: startRssKb, rss_kb: currentRssKb(), peak_rss_kb: peakRssKb() }),
    quit: async () => {
      provider.destroy();
      await store.drained();
      await store.ldb.destroy();
      process.exit(0);
    },
  };
  process.on('message', async (message) => {
    try {
      process.send({ ok: true, ...(await commands[message.cmd](message)) });
    } catch (e) {
      process.send({ ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  });
  process.send({ ok: true, ready: true });
}

// ---------------------------------------------------------------- the coordinator

// A forked process of this script, driven by commands over IPC, one answer each.
function startChild(name, args) {
  const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (m) => waiting.shift()?.resolve(m));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${name} exited (${code})`));
  });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const ready = next();
  return {
    ready,
    async run(cmd, args = {}) {
      const answer = next();
      child.send({ cmd, ...args });
      const m = await answer;
      if (!m.ok) throw new Error(`${name}: ${cmd}: ${m.error}`);
      return m;
    },
    async quit() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      child.send({ cmd: 'quit' });
      await gone;
      clearTimeout(timer);
    },
  };
}

async function startServer(dir) {
  const serverDir = path.join(dir, 'server');
  fs.mkdirSync(serverDir, { recursive: true });
  const child = startChild('server', ['--server', serverDir]);
  const { port } = await child.ready;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async memory() {
      const answer = await fetch(url + '/memory');
      if (!answer.ok) throw new Error(`/memory: ${answer.status}`);
      return answer.json();
    },
    stop: () => child.quit(),
  };
}

function sum(...steps) {
  return {
    ms: steps.reduce((s, x) => s + x.ms, 0),
    requests: steps.reduce((s, x) => s + x.requests, 0),
  };
}

// Live: writer changes count records while reader is connected; from the writer's transaction until
// the server stored them and the reader holds and stored them.
async function changeLive(writer, reader, from, count, round) {
  await reader.run('watch', { from, count, round });
  const written = await writer.run('change', { from, count, round });
  const read = await reader.run('watched');
  const start = BigInt(written.start);
  const end = BigInt(written.end) > BigInt(read.end) ? BigInt(written.end) : BigInt(read.end);
  return { ms: msBetween(start, end), requests: written.requests + read.requests };
}

async function expectValue(device, name, index, round) {
  const { value } = await device.run('value', { index });
  if (value !== valueOf(index, round))
    throw new Error(`device ${name}: ${keyOf(index)} is '${value}', expected round ${round}`);
}

async function runWorkload(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synclatch-yjs-bench-'));
  const server = await startServer(dir);
  const a = startChild('device a', ['--device', path.join(dir, 'a'), '--url', server.url]);
  const b = startChild('device b', ['--device', path.join(dir, 'b'), '--url', server.url]);
  try {
    await Promise.all([a.ready, b.ready]);
    const phases = {};
    log(`N=${n}: A writes`);
    phases.write = await a.run('write', { n });
    log(`N=${n}: A pushes`);
    phases.push = await a.run('connect');
    if (phases.push.server_size !== n) throw new Error('the server did not receive every record');
    log(`N=${n}: B pulls`);
    phases.pull = await b.run('connect', { records: n });
    if ((await b.run('count')).records !== n) throw new Error('B did not receive every record');
    log(`N=${n}: fresh two-way syncs`);
    phases.first_sync = sum(await a.run('connect'), await b.run('connect'));
    log(`N=${n}: 100 changed each way (live)`);
    phases.changed_a_to_b = await changeLive(a, b, 0, 100, 1);
    phases.changed_b_to_a = await changeLive(b, a, 100, 100, 2);
    phases.noop = await a.run('connect');
    const memory = { a: await a.run('memory'), b: await b.run('memory'), server: await server.memory() };
    for (const [device, name] of [[a, 'A'], [b, 'B']]) {
      if ((await device.run('count')).records !== n) throw new Error(`device ${name} lost records`);
      await expectValue(device, name, 5, 1);
      await expectValue(device, name, 150, 2);
      await expectValue(device, name, n - 1, 0);
    }
    const clean = (p) => ({ ms: p.ms, requests: p.requests });
    return {
      records: n,
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, clean(v)])),
      memory: Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, {
        start_rss_kb: v.start_rss_kb, peak_rss_kb: v.peak_rss_kb }])),
    };
  } finally {
    await Promise.allSettled([a.quit(), b.quit()]);
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const o = { records: [], device: null, server: null, url: null };
  const records = [];
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--records' && value) {
      records.push(value);
      ++i;
    } else if (arg === '--device' && value) {
      o.device = value;
      ++i;
    } else if (arg === '--server' && value) {
      o.server = value;
      ++i;
    } else if (arg === '--url' && value) {
      o.url = value;
      ++i;
    } else {
      process.stderr.write(`sync_bench.mjs: unknown or incomplete option '${arg}'\n`);
      process.exit(2);
    }
  }
  o.records = parseRecordsList(records, 'sync_bench.mjs');
  return o;
}

const options = parseArgs(process.argv.slice(2));
if (options.server) {
  await runServer(options.server);
} else if (options.device) {
  await runDevice(options.device, options.url);
} else {
  const report = {
    node: process.version,
    yjs: versionOf('yjs', here),
    y_websocket: versionOf('y-websocket', here),
    websocket_server: versionOf('@y/websocket-server', here),
    y_leveldb: versionOf('y-leveldb', here),
    level: versionOf('classic-level', path.dirname(require.resolve('level/package.json',
                                                                   { paths: [path.join(here, 'node_modules', 'y-leveldb')] }))),
    runs: [],
  };
  for (const n of options.records) report.runs.push(await runWorkload(n));
  process.stdout.write(JSON.stringify(report) + '\n');
}
