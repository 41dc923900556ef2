// Shared by the interop tests that run `thingsdb serve`: where the binary is (env THINGSDB_BIN,
// a build dir, default /work/main/build/release), a free loopback port, waiting for a process
// to become ready (failing with its log when it exits or times out), and stopping one.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const binDir = process.env.THINGSDB_BIN || '/work/main/build/release';
export const BIN = [path.join(binDir, 'thingsdb'), path.join(binDir, 'src/cli/thingsdb')]
  .find((p) => fs.existsSync(p));
export const missingBinary = BIN ? false : `thingsdb binary not found under ${binDir} (set THINGSDB_BIN)`;

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Polls `probe` (an async predicate; a throw counts as "not yet") every 50 ms for `ms`.
export async function waitFor(what, probe, ms, proc, log) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await probe()) return;
    } catch { /* not listening yet */ }
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}): ${log()}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${ms} ms: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// SIGTERM, resolved once the process has exited.
export function stop(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  return exited;
}
