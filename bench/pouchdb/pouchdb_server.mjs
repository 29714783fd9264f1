// pouchdb-server as the benchmarks run it: its own process on 127.0.0.1, LevelDB files, config and log in
// a temp dir (not the cwd), and one database made for the run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from '../node_common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function startPouchdbServer(dir, database) {
  const serverDir = path.join(dir, 'server');
  fs.mkdirSync(serverDir, { recursive: true });
  const port = await freePort();
  const bin = path.join(here, 'node_modules', 'pouchdb-server', 'bin', 'pouchdb-server');
  const child = spawn(process.execPath,
                      [bin, '--port', String(port), '--host', '127.0.0.1', '--dir', serverDir, '--config',
                       path.join(serverDir, 'config.json'), '--no-stdout-logs', '--no-color'],
                      { cwd: serverDir, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      const answer = await fetch(url + '/');
      if (answer.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pouchdb-server did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = await fetch(`${url}/${database}`, { method: 'PUT' });
  if (!created.ok) throw new Error(`PUT /${database}: ${created.status} ${await created.text()}`);
  return {
    url,
    dbUrl: `${url}/${database}`,
    // The server process's resident set now and at its peak (kB), from /proc (Linux); null elsewhere.
    memory() {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const field = (name) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(status)[1]);
        return { rss_kb: field('VmRSS'), peak_rss_kb: field('VmHWM') };
      } catch {
        return null;
      }
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}
