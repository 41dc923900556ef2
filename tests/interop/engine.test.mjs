// The engine end to end through the CLI, checked by an independent reader: `thingsdb put`,
// `relate`, `flush --all`, then `update` and `delete` of cold things and a second flush on a
// temp data directory (cold tier: the local warehouse <data>/warehouse). icebird then reads
// <data>/warehouse/ns/things and …/relationships and must see exactly what `thingsdb get`
// sees: one (the newest) version of an updated cold thing, none of a deleted one, no id
// twice. Needs the CLI: env THINGSDB_BIN (a build dir, default /work/main/build/release).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { icebergRead } from 'icebird';
import { installFileFetch } from './file_fetch.mjs';

const binDir = process.env.THINGSDB_BIN || '/work/main/build/release';
const CLI = [path.join(binDir, 'src/cli/thingsdb'), path.join(binDir, 'thingsdb')]
  .find((p) => fs.existsSync(p));

installFileFetch();

let dir;
const N = 30;
const id = (n) => `t${String(n).padStart(2, '0')}`;

function cli(...args) {
  assert.ok(CLI, `thingsdb not found under ${binDir}`);
  const out = execFileSync(CLI, [...args, '--data', dir, '--ns', 'ns'], { encoding: 'utf8' });
  return out.trim() === '' ? null : JSON.parse(out.trim().split('\n').at(-1));
}
// `thingsdb get`: the thing, or null when the CLI says it does not exist.
function get(thingId) {
  const run = spawnSync(CLI, ['get', thingId, '--data', dir, '--ns', 'ns'], { encoding: 'utf8' });
  if (run.status === 0) return JSON.parse(run.stdout);
  assert.match(run.stderr, /does not exist|not found/i, `get ${thingId}: ${run.stderr}`);
  return null;
}

const tableUrl = (name) => `file://${dir}/warehouse/ns/${name}`;
const byId = (rows) => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

let first, second;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsdb-engine-'));
  for (let n = 0; n < N; n++) {
    cli('put', n % 2 ? 'user' : 'post', JSON.stringify({ n, name: `name ${n}`, v: 0 }), '--id', id(n));
  }
  for (let n = 0; n < 6; n++) cli('relate', id(n), 'follows', id(n + 1));
  first = cli('flush', '--all');
  // Cold things updated (twice for t07) and deleted, a new hot thing, then a second flush.
  cli('update', id(3), JSON.stringify({ n: 3, name: 'three', v: 1 }));
  cli('update', id(7), JSON.stringify({ n: 7, name: 'seven', v: 1 }));
  cli('update', id(7), JSON.stringify({ n: 7, name: 'seven', v: 2 }));
  cli('delete', id(5));   // also its cold relationships t04→t05 and t05→t06
  cli('delete', id(11));
  cli('put', 'user', JSON.stringify({ n: N, v: 0 }), '--id', id(N));
  second = cli('flush', '--all');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the CLI flushed everything, then replaced and deleted cold rows', () => {
  assert.equal(first.things, N);
  assert.equal(first.relationships, 6);
  assert.equal(second.things, 3);       // t03, t07 (new versions) and t30
  assert.equal(second.coldDeletes, 6);  // old t03, t07; t05, t11; two relationships of t05
  assert.deepEqual(get(id(7)).data, { n: 7, name: 'seven', v: 2 });
  assert.equal(get(id(5)), null);
});

test('icebird reads exactly the things `thingsdb get` returns, one version each', async () => {
  const rows = await icebergRead({ tableUrl: tableUrl('things') });
  const ids = rows.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, `an id twice: ${ids.join(',')}`);
  const expected = [];
  for (let n = 0; n <= N; n++) {
    const thing = get(id(n));
    if (thing) expected.push(thing);
  }
  assert.equal(expected.length, N + 1 - 2);
  assert.deepEqual(byId(rows).map((r) => ({
    id: r.id, type: r.type, data: JSON.parse(r.data),
    createdAt: r.created_at.getTime(), updatedAt: r.updated_at.getTime(),
  })), byId(expected).map((t) => ({
    id: t.id, type: t.type, data: t.data, createdAt: t.createdAt, updatedAt: t.updatedAt,
  })));
  const t3 = rows.find((r) => r.id === id(3));
  assert.deepEqual(JSON.parse(t3.data), { n: 3, name: 'three', v: 1 });
  assert.ok(!ids.includes(id(5)) && !ids.includes(id(11)));
});

test('icebird reads the relationships that survived the delete', async () => {
  const rows = await icebergRead({ tableUrl: tableUrl('relationships') });
  assert.deepEqual(byId(rows).map((r) => [r.from_id, r.type, r.to_id]).sort(), [
    [id(0), 'follows', id(1)], [id(1), 'follows', id(2)], [id(2), 'follows', id(3)],
    [id(3), 'follows', id(4)],
  ]);
});
