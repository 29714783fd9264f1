// Starts the real synclatch-server (path in $SYNCLATCH_SERVER_BINARY) on a free loopback port with a temp
// data dir and SigV4 on; resolves once it prints its "listening on" line. With $SYNCLATCH_CAPTURE_DIR set,
// the SDKs reach it through a small proxy that writes every exchange there as raw HTTP/1.1 text (the fuzz
// corpora's seeds, scripts/fuzz-seeds.sh), as the C++ tests' clients do (tests/support/capture.hpp).
// With $SYNCLATCH_TEST_PG_URL set (tests/helpers/with_postgres: a private PostgreSQL cluster), each server
// keeps its data in a fresh database there (--store) instead of the embedded store; with
// $SYNCLATCH_TEST_STORE_URL, every server uses that database (a copied store: tests/integration/pg_copy_test).
// A server may also start on a store that something else filled (an import's target, import_cognito.test.mjs):
// options.dataDir is then kept when it stops, and options.store (from freshStoreUrl()) replaces the above.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const POOL_ID = "us-east-1:00000000-0000-0000-0000-000000000000";
export const REGION = "us-east-1";

let databases = 0;

// A new database on the cluster whose `postgres` database clusterUrl names; returns its URL.
function freshDatabase(clusterUrl) {
  const name = `interop_${process.pid}_${++databases}`;
  execFileSync("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-c", `CREATE DATABASE ${name}`, clusterUrl]);
  return clusterUrl.replace("/postgres?", `/${name}?`);
}

// With $SYNCLATCH_TEST_PG_URL set, the URL of a new database on that cluster; else undefined (the embedded
// store in a data dir).
export function freshStoreUrl() {
  const cluster = process.env.SYNCLATCH_TEST_PG_URL;
  return cluster ? freshDatabase(cluster) : undefined;
}

// options: { dataDir, store }: an existing data dir, which the caller owns and removes, and the --store URL
// that goes with it (undefined: the embedded store in dataDir).
export async function startServer(extraArgs = [], options = {}) {
  const binary = process.env.SYNCLATCH_SERVER_BINARY;
  if (!binary) throw new Error("set SYNCLATCH_SERVER_BINARY to the synclatch-server executable");
  const ownDataDir = options.dataDir === undefined;
  const dataDir = ownDataDir ? mkdtempSync(join(tmpdir(), "synclatch-interop-")) : options.dataDir;
  const cluster = process.env.SYNCLATCH_TEST_PG_URL;
  const shared = process.env.SYNCLATCH_TEST_STORE_URL;
  const store = !ownDataDir ? (options.store ? ["--store", options.store] : [])
              : shared ? ["--store", shared] : cluster ? ["--store", freshDatabase(cluster)] : [];
  const child = spawn(binary, ["--listen", "127.0.0.1:0", "--data", dataDir, "--auth", "sigv4",
                               "--log-level", "warn", ...store, ...extraArgs],
                      { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 10000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/127\.0\.0\.1:(\d+)/);
      if (match) { clearTimeout(timer); resolve(Number(match[1])); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${output}`)); });
  });
  const proxy = process.env.SYNCLATCH_CAPTURE_DIR ? await captureProxy(port, process.env.SYNCLATCH_CAPTURE_DIR) : null;
  return {
    endpoint: `http://127.0.0.1:${proxy ? proxy.address().port : port}`,
    async stop() {
      proxy?.close();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Forwards each request to 127.0.0.1:port unchanged and writes it and its answer to dir.
async function captureProxy(port, dir) {
  let next = 0;
  const head = (firstLine, raw) => {
    let text = `${firstLine}\r\n`;
    for (let i = 0; i < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
    return `${text}\r\n`;
  };
  const collect = (stream) => new Promise((resolve) => {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
  });
  const proxy = createServer(async (req, res) => {
    const body = await collect(req);
    const upstream = httpRequest({ host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.rawHeaders },
      async (answer) => {
        const answerBody = await collect(answer);
        const stem = `${dir}/sdk-${process.pid}-${next++}`;
        writeFileSync(`${stem}.request`, Buffer.concat([Buffer.from(head(`${req.method} ${req.url} HTTP/1.1`, req.rawHeaders)), body]));
        writeFileSync(`${stem}.response`, Buffer.concat([Buffer.from(head(`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`, answer.rawHeaders)), answerBody]));
        res.writeHead(answer.statusCode, answer.rawHeaders);
        res.end(answerBody);
      });
    upstream.on("error", () => { res.destroy(); });
    upstream.end(body);
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return proxy;
}
