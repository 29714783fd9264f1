// The PouchDB side of bench/latency_bench: how long after device A's write does device B have it, with
// PouchDB 9 (LevelDB in Node) live-syncing (live: true, retry: true) through pouchdb-server 4.2 (LevelDB),
// a separate process on 127.0.0.1. Prints one JSON object on stdout (progress goes to stderr);
// latency_bench reads it and prints it beside its own figures.
//
// Processes mirror latency_bench's: the writer is its own Node process, the N-1 receivers run in forked
// Node processes of up to K databases each, and a load process writes to other databases of the same
// pouchdb-server. Each device is a PouchDB database in its own folder with db.sync(remote, {live: true,
// retry: true}) running. Stamps are process.hrtime (CLOCK_MONOTONIC), one clock for every process.
//
// What is timed, per write and receiving device:
//   start  the writer's db.put resolved, and its live sync then emitted 'change' with direction 'push'
//          for the document with that value: PouchDB's _bulk_docs to pouchdb-server has been answered
//          (the write is on the server)
//   end    the receiver's live sync emitted 'change' with direction 'pull' holding that value: the
//          document is stored in the receiver's local database
// latency = end - start. The next write starts when every receiver has it, or after the write timeout.
//
// usage: node latency_bench.mjs [--devices N[,N...]] [--writes W] [--max-seconds S]
//          [--devices-per-process K] [--load-rate R] [--load-connections C] [--write-timeout MS]
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { versionOf } from '../node_common.mjs';
import { startPouchdbServer } from './pouchdb_server.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const kKeys = 64;    // the writer cycles over these documents, as latency_bench over its keys
const kWarmup = 5;   // writes per phase not counted, as in latency_bench

const keyOf = (seq) => 'k' + String(seq % kKeys).padStart(3, '0');
const valueOf = (seq) => {
  const head = `L${seq}-`;
  return head + 'v'.repeat(100 - head.length);
};
const seqOf = (value) => (typeof value === 'string' && value[0] === 'L' ? parseInt(value.slice(1), 10) : null);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);  // CLOCK_MONOTONIC, microseconds

function log(...args) {
  process.stderr.write(`pouchdb: ${args.join(' ')}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the forked processes

// One live sync of a local database with the remote one; resolves once both directions first paused.
function liveSync(local, remote, onChange) {
  const sync = local.sync(remote, { live: true, retry: true });
  sync.on('change', onChange);
  sync.on('error', (e) => log(`a live sync failed: ${e && e.message}`));
  const ready = new Promise((resolve) => sync.once('paused', resolve));
  return { sync, ready };
}

async function runWriter(dir, url) {
  const PouchDB = require('pouchdb');
  const local = new PouchDB(path.join(dir, 'writer'));
  const remote = new PouchDB(url, { skip_setup: true });
  const revs = new Map();
  const waiting = new Map();  // seq -> resolve(ack stamp)
  const { sync, ready } = liveSync(local, remote, (info) => {
    if (info.direction !== 'push') return;
    const at = nowUs();
    for (const doc of info.change.docs) {
      const seq = seqOf(doc.value);
      if (seq !== null && waiting.has(seq)) {
        waiting.get(seq)(at);
        waiting.delete(seq);
      }
    }
  });
  await ready;
  process.on('message', async (m) => {
    try {
      if (m.cmd === 'quit') {
        sync.cancel();
        await local.close();
        process.exit(0);
      }
      const { seq } = m;
      const id = keyOf(seq);
      const acked = new Promise((resolve) => waiting.set(seq, resolve));
      const put = nowUs();
      const doc = { _id: id, value: valueOf(seq) };
      if (revs.has(id)) doc._rev = revs.get(id);
      const result = await local.put(doc);
      revs.set(id, result.rev);
      const ack = await acked;
      process.send({ ok: true, put, ack });
    } catch (e) {
      process.send({ ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  });
  process.send({ ok: true, ready: true });
}

async function runReceivers(dir, url, first, count) {
  const PouchDB = require('pouchdb');
  const devices = [];
  for (let device = first; device < first + count; ++device) {
    const local = new PouchDB(path.join(dir, `device-${device}`));
    const remote = new PouchDB(url, { skip_setup: true });
    const { sync, ready } = liveSync(local, remote, (info) => {
      if (info.direction !== 'pull') return;
      const at = nowUs();
      for (const doc of info.change.docs) {
        const seq = seqOf(doc.value);
        if (seq !== null) process.send({ seen: seq, device, at });
      }
    });
    devices.push({ local, sync, ready });
  }
  await Promise.all(devices.map((d) => d.ready));
  process.on('message', async (m) => {
    if (m.cmd !== 'quit') return;
    for (const d of devices) d.sync.cancel();
    await Promise.allSettled(devices.map((d) => d.local.close()));
    process.exit(0);
  });
  process.send({ ready: true });
}

// UpdateRecords' counterpart: PUT of one document (a 100-byte value) per request, each connection on its
// own database of the same server, at `rate` requests/s in total (0: flat out).
async function runLoad(serverUrl, connections, rate) {
  const { Agent } = require('node:http');
  const http = require('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const request = (method, target, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(serverUrl + target, {
        method, agent, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  for (let i = 0; i < connections; ++i) {
    const made = await request('PUT', `/load-${i}`);
    if (made.status !== 201 && made.status !== 412) throw new Error(`PUT /load-${i}: ${made.status} ${made.text}`);
  }
  let stop = false;
  let requests = 0;
  let failures = 0;
  const period = rate > 0 ? (1000 * connections) / rate : 0;
  const loop = async (i) => {
    let rev = null;
    let next = performance.now();
    const value = 'v'.repeat(100);
    while (!stop) {
      if (period > 0) {
        next += period;
        const now = performance.now();
        if (next < now - 10 * period) next = now;
        if (next > now) await sleep(next - now);
      }
      const doc = rev ? { _rev: rev, value } : { value };
      const answer = await request('PUT', `/load-${i}/k`, JSON.stringify(doc));
      ++requests;
      if (answer.status === 201 || answer.status === 200) {
        rev = JSON.parse(answer.text).rev;
      } else {
        if (failures++ === 0) log(`load: ${answer.status} ${answer.text}`);
        if (answer.status === 409) {
          const current = await request('GET', `/load-${i}/k`);
          rev = current.status === 200 ? JSON.parse(current.text)._rev : null;
        }
      }
    }
  };
  process.send({ ready: true });
  let loops = null;
  let start = 0;
  process.on('message', async (m) => {
    if (m.cmd === 'go') {
      start = performance.now();
      loops = Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
    } else if (m.cmd === 'stop') {
      stop = true;
      await loops;
      const seconds = (performance.now() - start) / 1000;
      process.send({ requests, failures, seconds });
    } else if (m.cmd === 'quit') {
      agent.destroy();
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- the coordinator

// A forked process of this script; onMessage hears what it sends beyond the answers awaited by next().
function forkSelf(args, onMessage = null) {
  const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (m) => {
    if (onMessage && onMessage(m)) return;
    waiting.shift()?.resolve(m);
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`a child process exited (${code})`));
  });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const ready = next();
  return {
    ready,
    send(message) {
      child.send(message);
    },
    async call(message) {
      const answer = next();
      child.send(message);
      return answer;
    },
    async quit() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'quit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await gone;
      clearTimeout(timer);
    },
  };
}

function stats(values, expected) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return sorted.length === 0
    ? { samples: 0, expected }
    : { samples: sorted.length, expected, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1],
        negative: sorted.filter((v) => v < 0).length };
}

async function runScenario(n, options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synclatch-pouchdb-latency-'));
  const server = await startPouchdbServer(dir, 'latency');
  const children = [];
  try {
    const writer = forkSelf(['--writer', dir, '--url', server.dbUrl]);
    children.push(writer);
    const receivers = n - 1;
    const processes = Math.ceil(receivers / options.perProcess);
    const perProcess = Math.ceil(receivers / processes);
    const seen = new Map();  // seq -> Map(device -> stamp)
    let waitingFor = null;   // {seq, resolve}
    const onSeen = (m) => {
      if (m.seen === undefined) return false;
      if (!seen.has(m.seen)) seen.set(m.seen, new Map());
      const devices = seen.get(m.seen);
      if (!devices.has(m.device)) devices.set(m.device, m.at);
      if (waitingFor && waitingFor.seq === m.seen && devices.size >= receivers) waitingFor.resolve();
      return true;
    };
    for (let first = 1; first <= receivers; first += perProcess) {
      const count = Math.min(perProcess, receivers - first + 1);
      children.push(forkSelf(['--receivers', dir, '--url', server.dbUrl, '--first', String(first), '--count',
                              String(count)], onSeen));
    }
    const load = forkSelf(['--load', server.url, '--load-connections', String(options.loadConnections),
                           '--load-rate', String(options.loadRate)]);
    children.push(load);
    await Promise.all(children.map((c) => c.ready));
    log(`${n} devices: ready (${processes} receiver processes x ${perProcess})`);
    let nextSeq = 1;
    const runs = [];
    for (const phase of ['idle', 'load']) {
      log(`${n} devices, ${phase}`);
      if (phase === 'load') {
        load.send({ cmd: 'go' });
        await sleep(1000);
      }
      const counted = [];
      const phaseEnd = Date.now() + options.maxSeconds * 1000;
      for (let i = 0; i < kWarmup + options.writes && Date.now() < phaseEnd; ++i) {
        const seq = nextSeq++;
        const all = new Promise((resolve) => { waitingFor = { seq, resolve }; });
        if ((seen.get(seq)?.size ?? 0) >= receivers) waitingFor.resolve();
        const answer = await writer.call({ seq });
        if (!answer.ok) throw new Error(`writer: ${answer.error}`);
        if (i >= kWarmup) counted.push({ seq, put: answer.put, ack: answer.ack });
        if ((seen.get(seq)?.size ?? 0) >= receivers) waitingFor.resolve();
        const left = Math.max(0, Math.min(options.writeTimeout, phaseEnd - Date.now()));
        await Promise.race([all, sleep(left)]);
        waitingFor = null;
      }
      await sleep(100);  // stragglers of the last write
      let loadRate = 0;
      if (phase === 'load') {
        const result = await load.call({ cmd: 'stop' });
        loadRate = result.requests / result.seconds;
        if (result.failures > 0) log(`load: ${result.failures} failed requests`);
      }
      const latencies = [];
      const fromPut = [];
      for (const w of counted) {
        for (const at of (seen.get(w.seq) ?? new Map()).values()) {
          latencies.push((at - w.ack) / 1000);
          fromPut.push((at - w.put) / 1000);
        }
      }
      const s = stats(latencies, counted.length * receivers);
      runs.push({ devices: n, phase, processes, per_process: perProcess, writes: counted.length, ...s,
                  put_p50: stats(fromPut, 0).p50, put_p99: stats(fromPut, 0).p99,
                  writer_p50: stats(counted.map((w) => (w.ack - w.put) / 1000), 0).p50,
                  load_rate: loadRate });
    }
    return runs;
  } finally {
    await Promise.allSettled(children.map((c) => c.quit()));
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const o = { devices: [], writes: 200, maxSeconds: 60, perProcess: 10, loadRate: 1000, loadConnections: 16,
              writeTimeout: 5000, role: null, dir: null, url: null, first: 0, count: 0 };
  const numbers = { '--writes': 'writes', '--max-seconds': 'maxSeconds', '--devices-per-process': 'perProcess',
                    '--load-rate': 'loadRate', '--load-connections': 'loadConnections',
                    '--write-timeout': 'writeTimeout', '--first': 'first', '--count': 'count' };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (value === undefined) {
      process.stderr.write(`latency_bench.mjs: incomplete option '${arg}'\n`);
      process.exit(2);
    }
    ++i;
    if (arg === '--devices') {
      for (const part of value.split(',')) o.devices.push(Number(part));
    } else if (numbers[arg]) {
      o[numbers[arg]] = Number(value);
    } else if (arg === '--writer' || arg === '--receivers' || arg === '--load') {
      o.role = arg.slice(2);
      o.dir = value;
    } else if (arg === '--url') {
      o.url = value;
    } else {
      process.stderr.write(`latency_bench.mjs: unknown option '${arg}'\n`);
      process.exit(2);
    }
  }
  if (o.devices.length === 0) o.devices = [2, 10, 100];
  return o;
}

const options = parseArgs(process.argv.slice(2));
if (options.role === 'writer') {
  await runWriter(options.dir, options.url);
} else if (options.role === 'receivers') {
  await runReceivers(options.dir, options.url, options.first, options.count);
} else if (options.role === 'load') {
  await runLoad(options.dir, options.loadConnections, options.loadRate);
} else {
  const serverPkg = path.dirname(require.resolve('pouchdb-server/package.json'));
  const report = {
    node: process.version,
    pouchdb: versionOf('pouchdb', here),
    pouchdb_server: versionOf('pouchdb-server', here),
    server_pouchdb_core: versionOf('pouchdb-core', serverPkg),
    timed: "from the writer's live sync emitting 'change' (push) for the doc after db.put (its _bulk_docs " +
           "answered by pouchdb-server) to the receiver's live sync emitting 'change' (pull) with it",
    runs: [],
  };
  for (const n of options.devices) report.runs.push(...(await runScenario(n, options)));
  process.stdout.write(JSON.stringify(report) + '\n');
}
