// The PouchDB side of bench/sync_bench: the same two-device workload with PouchDB 9 (LevelDB in Node)
// replicating through pouchdb-server 4.2 (LevelDB), a separate process on 127.0.0.1. Prints one JSON
// object on stdout (progress goes to stderr); sync_bench reads it and prints the comparison.
//
// Each device is its own Node process (forked, commands over IPC), as each synclatch device is its own
// process, so each reports the peak RSS of a process that holds one device. Times are measured inside
// the device process around the operation alone. Requests are counted by a fetch wrapper on the remote
// database, so they are the HTTP requests PouchDB made (the server's own work is not counted). The
// server's peak RSS (VmHWM) is read from /proc after the workload.
//
// usage: node sync_bench.mjs [--records N]... [--batch-size B]
//   --records N     records per run (repeatable, or a comma-separated list; default 10000,100000)
//   --batch-size B  the replications' batch_size (default: PouchDB's own default, 100)
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { currentRssKb, keyOf, parseRecordsList, peakRssKb, valueOf, versionOf } from '../node_common.mjs';
import { startPouchdbServer } from './pouchdb_server.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const kWriteBatch = 10000;  // records per bulkDocs, as sync_bench writes 10,000 per put_all

function log(...args) {
  process.stderr.write(`pouchdb: ${args.join(' ')}\n`);
}

// ---------------------------------------------------------------- a device (a forked process)

async function runDevice(dir, url, batchSize) {
  const PouchDB = require('pouchdb');
  const local = new PouchDB(dir);  // LevelDB: PouchDB's default adapter in Node
  let requests = 0;
  const remote = new PouchDB(url, {
    skip_setup: true,  // the coordinator created it; setup requests would count against the device
    fetch: (target, options) => {
      ++requests;
      return PouchDB.fetch(target, options);
    },
  });
  const replication = batchSize > 0 ? { batch_size: batchSize } : {};
  const startRssKb = currentRssKb();

  const timed = async (work) => {
    const before = requests;
    const start = process.hrtime.bigint();
    const detail = await work();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { ms, requests: requests - before, ...detail };
  };
  const writeRange = async (from, count, round) => {
    for (let at = from; at < from + count; at += kWriteBatch) {
      const end = Math.min(from + count, at + kWriteBatch);
      const keys = [];
      for (let i = at; i < end; ++i) keys.push(keyOf(i));
      // An update needs the current revision; a new document has none.
      const existing = round === 0 ? null : await local.allDocs({ keys });
      const docs = keys.map((key, n) => {
        const doc = { _id: key, value: valueOf(at + n, round) };
        const row = existing?.rows[n];
        if (row && row.value && !row.value.deleted) doc._rev = row.value.rev;
        return doc;
      });
      const result = await local.bulkDocs(docs);
      for (const r of result) {
        if (r.error) throw new Error(`bulkDocs: ${r.id}: ${r.message ?? r.name}`);
      }
    }
    return {};
  };
  const replicated = (result) => {
    if (result.ok === false) throw new Error(`replication failed: ${JSON.stringify(result.errors)}`);
    const sides = result.push || result.pull ? [result.push, result.pull] : [result];
    let written = 0;
    for (const side of sides) written += side ? side.docs_written : 0;
    return { docs_written: written };
  };

  const commands = {
    write: ({ n }) => timed(() => writeRange(0, n, 0)),
    change: ({ from, count, round }) => timed(() => writeRange(from, count, round)),
    push: () => timed(async () => replicated(await local.replicate.to(remote, replication))),
    pull: () => timed(async () => replicated(await local.replicate.from(remote, replication))),
    sync: () => timed(async () => replicated(await local.sync(remote, replication))),
    count: async () => {
      const info = await local.info();
      return { records: info.doc_count };
    },
    value: async ({ index }) => {
      const doc = await local.get(keyOf(index));
      return { value: doc.value };
    },
    memory: async () => ({ start_rss_kb: startRssKb, rss_kb: currentRssKb(), peak_rss_kb: peakRssKb() }),
    quit: async () => {
      await local.close();
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

function startDevice(name, dir, dbUrl, batchSize) {
  const child = fork(fileURLToPath(import.meta.url),
                     ['--device', path.join(dir, name), '--url', dbUrl, '--batch-size', String(batchSize)],
                     { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (m) => waiting.shift()?.resolve(m));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`device ${name} exited (${code})`));
  });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  const ready = next();
  return {
    ready,
    async run(cmd, args = {}) {
      const answer = next();
      child.send({ cmd, ...args });
      const m = await answer;
      if (!m.ok) throw new Error(`device ${name}: ${cmd}: ${m.error}`);
      return m;
    },
    async quit() {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'quit' });
      await gone;
    },
  };
}

function sum(...steps) {
  return {
    ms: steps.reduce((s, x) => s + x.ms, 0),
    requests: steps.reduce((s, x) => s + x.requests, 0),
  };
}

async function expectValue(device, name, index, round) {
  const { value } = await device.run('value', { index });
  if (value !== valueOf(index, round))
    throw new Error(`device ${name}: ${keyOf(index)} is '${value}', expected round ${round}`);
}

async function runWorkload(n, batchSize) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synclatch-pouchdb-bench-'));
  const server = await startPouchdbServer(dir, 'bench');
  const a = startDevice('a', dir, server.dbUrl, batchSize);
  const b = startDevice('b', dir, server.dbUrl, batchSize);
  try {
    await Promise.all([a.ready, b.ready]);
    const phases = {};
    log(`N=${n}: A writes`);
    phases.write = await a.run('write', { n });
    log(`N=${n}: A pushes`);
    phases.push = await a.run('push');
    log(`N=${n}: B pulls`);
    phases.pull = await b.run('pull');
    if ((await b.run('count')).records !== n) throw new Error('B did not receive every record');
    // Each device's first two-way sync after that: nothing is new, but each side has a replication
    // direction without a checkpoint yet.
    log(`N=${n}: first two-way syncs`);
    phases.first_sync = sum(await a.run('sync'), await b.run('sync'));
    // 100 changed records each way: the writer syncs, then the other device syncs.
    log(`N=${n}: 100 changed each way`);
    await a.run('change', { from: 0, count: 100, round: 1 });
    phases.changed_a_to_b = sum(await a.run('sync'), await b.run('sync'));
    await b.run('change', { from: 100, count: 100, round: 2 });
    phases.changed_b_to_a = sum(await b.run('sync'), await a.run('sync'));
    // A sync when nothing changed anywhere: after one more round that lets each side record what it
    // received in the last phase (PouchDB pushes back, as no-ops, the documents it just pulled).
    await b.run('sync');
    await a.run('sync');
    phases.noop = await a.run('sync');
    const memory = { a: await a.run('memory'), b: await b.run('memory') };
    const serverMemory = server.memory();
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
      memory: {
        ...Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, {
          start_rss_kb: v.start_rss_kb, peak_rss_kb: v.peak_rss_kb }])),
        ...(serverMemory ? { server: { peak_rss_kb: serverMemory.peak_rss_kb } } : {}),
      },
    };
  } finally {
    await Promise.allSettled([a.quit(), b.quit()]);
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const o = { records: [], batchSize: 0, device: null, url: null };
  const records = [];
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--records' && value) {
      records.push(value);
      ++i;
    } else if (arg === '--batch-size' && value) {
      o.batchSize = Number(value);
      ++i;
    } else if (arg === '--device' && value) {
      o.device = value;
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
if (options.device) {
  await runDevice(options.device, options.url, options.batchSize);
} else {
  const serverPkg = path.dirname(require.resolve('pouchdb-server/package.json'));
  const report = {
    node: process.version,
    pouchdb: versionOf('pouchdb', here),
    pouchdb_server: versionOf('pouchdb-server', here),
    server_pouchdb_core: versionOf('pouchdb-core', serverPkg),
    client_leveldown: versionOf('leveldown', path.dirname(require.resolve('pouchdb/package.json'))),
    server_leveldown: versionOf('leveldown',
                                path.dirname(require.resolve('pouchdb-adapter-leveldb/package.json',
                                                             { paths: [serverPkg] }))),
    batch_size: options.batchSize > 0 ? options.batchSize : 100,
    runs: [],
  };
  for (const n of options.records) report.runs.push(await runWorkload(n, options.batchSize));
  process.stdout.write(JSON.stringify(report) + '\n');
}
