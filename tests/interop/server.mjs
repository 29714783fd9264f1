// Starts the real synclatch-server (path in $SYNCLATCH_SERVER_BINARY) on a free loopback port with a temp
// data dir and SigV4 on; resolves once it prints its "listening on" line.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const POOL_ID = "us-east-1:00000000-0000-0000-0000-000000000000";
export const REGION = "us-east-1";

export async function startServer(extraArgs = []) {
  const binary = process.env.SYNCLATCH_SERVER_BINARY;
  if (!binary) throw new Error("set SYNCLATCH_SERVER_BINARY to the synclatch-server executable");
  const dataDir = mkdtempSync(join(tmpdir(), "synclatch-interop-"));
  const child = spawn(binary, ["--listen", "127.0.0.1:0", "--data", dataDir, "--auth", "sigv4",
                               "--log-level", "warn", ...extraArgs],
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
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
