// What the Node.js sides of the benchmarks share (bench/pouchdb, bench/yjs): the workload's bytes, memory
// readings, package versions and the free-port probe.
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Key i and its value in round r: the same bytes sync_bench writes (value: exactly 100 bytes).
export const keyOf = (i) => 'k' + String(i).padStart(7, '0');
export const valueOf = (i, round) => {
  const head = `r${round}-${i}-`;
  return head + 'v'.repeat(100 - head.length);
};

export function peakRssKb() {
  return process.resourceUsage().maxRSS;  // kilobytes, as getrusage reports it
}

export function currentRssKb() {
  return Math.round(process.memoryUsage().rss / 1024);
}

// The version of an installed package, resolved from the folder `from`.
export function versionOf(pkg, from) {
  const file = require.resolve(`${pkg}/package.json`, { paths: [from] });
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

// A port that was free on 127.0.0.1 a moment ago.
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// sync_bench's --records N[,N...] (repeatable), checked; exits with 2 and a message when it is wrong.
export function parseRecordsList(values, script) {
  const records = values.flatMap((v) => v.split(',')).map(Number);
  if (records.length === 0) return [10000, 100000];
  if (records.some((n) => !Number.isInteger(n) || n < 1000 || n > 10000000)) {
    process.stderr.write(`${script}: --records must be 1000..10000000\n`);
    process.exit(2);
  }
  return records;
}
