// Independent readers of the cold tier: our flush writer builds a namespace's `things` and
// `relationships` Iceberg tables in a directory (two flushes: the second updates and deletes
// cold rows with position deletes), then icebird reads exactly the rows our reader reads —
// current and earlier snapshot — and DuckDB's read_parquet reads every data file, each row
// at the position our reader reports, bit for bit (embeddings included). Needs
// `cold_interop_tool`: env THINGSDB_BIN (a build dir, default /work/main/build/cold).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { icebergRead } from 'icebird';
import { installFileFetch } from './file_fetch.mjs';

const binDir = process.env.THINGSDB_BIN || '/work/main/build/cold';
const TOOL = [path.join(binDir, 'src/cold/cold_interop_tool'), path.join(binDir, 'cold_interop_tool')]
  .find((p) => fs.existsSync(p));

function tool(...args) {
  assert.ok(TOOL, `cold_interop_tool not found under ${binDir}`);
  return JSON.parse(execFileSync(TOOL, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

installFileFetch();

const DAY = 86400000;
const BASE = Date.UTC(2025, 0, 1);
const f32hex = (arr) => Buffer.from(new Float32Array(arr).buffer).toString('hex');

function thing(n, version = 0) {
  const data = { n, email: `u${n}@x.io`, name: n % 5 ? `name ${n}` : 'Zoë 日本語 🚀', v: version };
  if (n % 4) data.age = 20 + n;
  if (n % 9 === 0) data.blob = 'ü'.repeat(20000);  // big JSON
  const createdAt = BASE + (n % 3) * DAY + n * 1000 + 7;
  return {
    id: `t${String(n).padStart(5, '0')}`,
    type: n % 2 ? 'user' : 'post',
    data,
    embedding: n % 3 ? [n / 7, -1 / (n + 1), 3.25e-38, 1e30] : null,
    createdAt,
    updatedAt: createdAt + 500 + version * 100000,
  };
}
function rel(n) {
  return {
    id: `r${String(n).padStart(5, '0')}`, fromId: `t${String(n).padStart(5, '0')}`,
    toId: `t${String(n + 1).padStart(5, '0')}`, type: n % 2 ? 'follows' : 'likes',
    data: n % 3 ? { w: n, note: 'ñ' } : null, createdAt: BASE + (n % 2) * DAY + n,
  };
}

let dir, root, db, conn, first, second;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsdb-cold-'));
  root = path.join(dir, 'wh');
  const round1 = [];
  for (let n = 0; n < 40; n++) round1.push(thing(n));
  for (let n = 0; n < 10; n++) round1.push(rel(n));
  const round2 = [thing(3, 1), thing(10, 1), thing(40), thing(41), rel(10)];
  fs.writeFileSync(path.join(dir, 'r1.ndjson'), round1.map((r) => JSON.stringify(r)).join('\n'));
  fs.writeFileSync(path.join(dir, 'r2.ndjson'), round2.map((r) => JSON.stringify(r)).join('\n'));
  first = tool('flush', root, 'ns', 'flush-1', path.join(dir, 'r1.ndjson'));
  // Updates t00003 and t00010, deletes t00005 and relationship r00002.
  second = tool('flush', root, 'ns', 'flush-2', path.join(dir, 'r2.ndjson'), 't00005', 'r00002');
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const tableUrl = (name) => `file://${root}/ns/${name}`;
const byId = (rows) => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

// Our reader's rows in icebird's shape (snake_case, Date timestamps, JSON text).
function ourThingsAsIcebird(rows) {
  return byId(rows).map((r) => ({
    id: r.id, type: r.type, data: r.data,
    created_at: new Date(r.createdAt).toISOString(), updated_at: new Date(r.updatedAt).toISOString(),
    idx_email: JSON.parse(r.data).email ?? null, idx_age: JSON.parse(r.data).age ?? null,
  }));
}
function icebirdThings(rows) {
  return byId(rows).map((r) => ({
    id: r.id, type: r.type, data: r.data,
    created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(),
    idx_email: r.idx_email, idx_age: r.idx_age,
  }));
}

test('the second flush updated and deleted cold rows in one snapshot', () => {
  assert.equal(first.things.version, 2);
  assert.equal(second.things.version, 3);
  assert.equal(second.things.deleted, 3);  // 2 old versions + 1 delete
  assert.equal(second.relationships.deleted, 1);
  const current = tool('read', root, 'ns', 'things');
  assert.equal(current.length, 41);
  const t3 = current.find((r) => r.id === 't00003');
  assert.equal(JSON.parse(t3.data).v, 1);
  assert.ok(!current.some((r) => r.id === 't00005'));
  const before = tool('read', root, 'ns', 'things', String(first.things.snapshot_id));
  assert.equal(before.length, 40);
  assert.equal(JSON.parse(before.find((r) => r.id === 't00003').data).v, 0);
});

test('icebird reads the rows our reader reads (current, deletes applied)', async () => {
  const ours = tool('read', root, 'ns', 'things');
  const theirs = await icebergRead({ tableUrl: tableUrl('things') });
  assert.deepEqual(icebirdThings(theirs), ourThingsAsIcebird(ours));
  const ourRels = tool('read', root, 'ns', 'relationships');
  const theirRels = await icebergRead({ tableUrl: tableUrl('relationships') });
  assert.equal(ourRels.length, 10);
  assert.deepEqual(
    byId(theirRels).map((r) => [r.id, r.from_id, r.to_id, r.type, r.data, r.created_at.getTime()]),
    byId(ourRels).map((r) => [r.id, r.fromId, r.toId, r.type, r.data, r.createdAt]));
});

test('icebird reads the earlier snapshot as our time travel does', async () => {
  const ours = tool('read', root, 'ns', 'things', String(first.things.snapshot_id));
  const theirs = await icebergRead({ tableUrl: tableUrl('things'), metadataFileName: 'v2.metadata.json' });
  assert.deepEqual(icebirdThings(theirs), ourThingsAsIcebird(ours));
  const ourRels = tool('read', root, 'ns', 'relationships', String(first.relationships.snapshot_id));
  const theirRels = await icebergRead({ tableUrl: tableUrl('relationships'), metadataFileName: 'v2.metadata.json' });
  assert.deepEqual(byId(theirRels).map((r) => r.id), byId(ourRels).map((r) => r.id));
});

async function query(sql) {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson();
}

test('DuckDB reads every data file, each row where our reader says it is', async () => {
  const files = [...first.things.files, ...second.things.files, ...first.relationships.files,
    ...second.relationships.files];
  for (const file of files) {
    const local = fileURLToPath(file.path);
    const [{ n }] = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${local}')`);
    assert.equal(n, file.records, file.path);
  }
  const dataFiles = files.filter((f) => !f.deletes).map((f) => fileURLToPath(f.path));
  const fieldIds = await query(`SELECT name, field_id FROM parquet_schema('${dataFiles[0]}') WHERE field_id IS NOT NULL`);
  assert.deepEqual(fieldIds.map((r) => [r.name, Number(r.field_id)]).slice(0, 3), [['id', 1], ['type', 2], ['data', 3]]);
  const ours = [...tool('read', root, 'ns', 'things'),
    ...tool('read', root, 'ns', 'things', String(first.things.snapshot_id))];
  for (const row of ours) {
    const [got] = await query(`SELECT id, type, data, hex(embedding) AS emb,
        epoch_ms(created_at)::BIGINT AS c, epoch_ms(updated_at)::BIGINT AS u
      FROM read_parquet('${fileURLToPath(row.file)}', file_row_number = true)
      WHERE file_row_number = ${row.pos}`);
    assert.equal(got.id, row.id);
    assert.equal(got.type, row.type);
    assert.equal(got.data, row.data);
    assert.equal(Number(got.c), row.createdAt);
    assert.equal(Number(got.u), row.updatedAt);
    assert.equal(got.emb === null ? null : got.emb.toLowerCase(),
      row.embedding === null ? null : f32hex(row.embedding));
  }
  const deletes = files.filter((f) => f.deletes).map((f) => fileURLToPath(f.path));
  const positions = await query(`SELECT file_path, pos FROM read_parquet([${deletes.map((d) => `'${d}'`).join(',')}]) ORDER BY ALL`);
  assert.equal(positions.length, 4);
  for (const { file_path: target } of positions) assert.ok(target.startsWith(`file://${root}/ns/`), target);
});
