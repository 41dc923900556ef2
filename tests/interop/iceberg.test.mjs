// Independent readers of thingsdb's Iceberg tables: icebird reads the rows (current and
// earlier snapshots, position deletes applied), avsc decodes our manifests and manifest
// lists, DuckDB writes the Parquet data files and reads the files our planner picks on the
// Spark fixtures. Needs the `iceberg_interop_tool` binary: env THINGSDB_BIN (a build dir,
// default /work/main/build/iceberg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { DuckDBInstance } from '@duckdb/node-api';
import { icebergRead } from 'icebird';
import { installFileFetch } from './file_fetch.mjs';

const require = createRequire(import.meta.url);
const avro = require('avsc');

const binDir = process.env.THINGSDB_BIN || '/work/main/build/iceberg';
const tool = [path.join(binDir, 'src/iceberg/iceberg_interop_tool'), path.join(binDir, 'iceberg_interop_tool')]
  .find((p) => fs.existsSync(p));
const fixtures = process.env.THINGSDB_ICEBERG_FIXTURES ||
  fileURLToPath(new URL('../../../shared/interop/iceberg-spark', import.meta.url));

function run(...args) {
  return JSON.parse(execFileSync(tool, args, { encoding: 'utf8' }));
}

installFileFetch();

const longType = avro.types.LongType.__with({
  fromBuffer: (buf) => buf.readBigInt64LE(),
  toBuffer: (n) => { const buf = Buffer.alloc(8); buf.writeBigInt64LE(BigInt(n)); return buf; },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n) => typeof n === 'bigint',
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
});

function decodeAvro(file) {
  return new Promise((resolve, reject) => {
    const records = [];
    let header;
    avro.createFileDecoder(file, {
      parseHook: (schema) => avro.Type.forSchema(schema, { registry: { long: longType } }),
    })
      .on('metadata', (type, codec, h) => { header = h; })
      .on('data', (r) => records.push(r))
      .on('error', reject)
      .on('end', () => resolve({ header, records }));
  });
}

function fieldIds(schema, out = []) {
  if (Array.isArray(schema)) { schema.forEach((s) => fieldIds(s, out)); return out; }
  if (schema && typeof schema === 'object') {
    if (schema.type === 'record') for (const f of schema.fields) { out.push([f.name, f['field-id']]); fieldIds(f.type, out); }
    else if (schema.type === 'array') fieldIds(schema.items, out);
  }
  return out;
}

async function duckdb() {
  const instance = await DuckDBInstance.create(':memory:');
  return instance.connect();
}

const schema = {
  type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'kind', required: true, type: 'string' },
  ],
};
const spec = { 'spec-id': 0, fields: [{ name: 'kind', transform: 'identity', 'source-id': 3, 'field-id': 1000 }] };

test('icebird and avsc read a table thingsdb wrote', async () => {
  assert.ok(tool, `iceberg_interop_tool not found under ${binDir}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsdb-iceberg-'));
  const prefix = 'ns/things';
  const tableDir = path.join(root, prefix);
  const location = `file://${tableDir}`;
  fs.mkdirSync(path.join(tableDir, 'data'), { recursive: true });
  const db = await duckdb();
  const fieldIdsSql = "FIELD_IDS {id: 1, name: 2, kind: 3}";
  await db.run(`COPY (SELECT * FROM (VALUES (1::BIGINT, 'a', 'user'), (2, 'b', 'user'), (3, 'c', 'user')) t(id, name, kind))
                TO '${tableDir}/data/d1.parquet' (FORMAT parquet, ${fieldIdsSql})`);
  await db.run(`COPY (SELECT * FROM (VALUES (4::BIGINT, 'd', 'post'), (5, 'e', 'post')) t(id, name, kind))
                TO '${tableDir}/data/d2.parquet' (FORMAT parquet, ${fieldIdsSql})`);
  // Position delete: row 1 (id 2) of d1, by the data file's exact location.
  await db.run(`COPY (SELECT '${location}/data/d1.parquet' AS file_path, 1::BIGINT AS pos)
                TO '${tableDir}/data/del1.parquet' (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`);

  run('create', root, prefix, location, JSON.stringify(schema), JSON.stringify(spec));
  const s1 = run('commit', root, prefix, JSON.stringify({
    add: [{ key: 'data/d1.parquet', record_count: 3, partition: { kind: 'user' }, lower_bounds: { 1: 1 }, upper_bounds: { 1: 3 } }],
    summary: { 'thingsdb.flush-hwm': '42' }, token: 'flush-1',
  }));
  const s2 = run('commit', root, prefix, JSON.stringify({
    add: [{ key: 'data/d2.parquet', record_count: 2, partition: { kind: 'post' }, lower_bounds: { 1: 4 }, upper_bounds: { 1: 5 } }],
  }));
  const s3 = run('commit', root, prefix, JSON.stringify({
    add: [{ key: 'data/del1.parquet', record_count: 1, content: 'position-deletes', partition: { kind: 'user' },
            lower_bounds: { 2147483546: `${location}/data/d1.parquet` }, upper_bounds: { 2147483546: `${location}/data/d1.parquet` } }],
  }));
  assert.deepEqual([s1.version, s2.version, s3.version], [2, 3, 4]);
  assert.equal(s1.summary['thingsdb.flush-hwm'], '42');
  assert.equal(s3.summary.operation, 'delete');
  assert.equal(fs.readFileSync(path.join(tableDir, 'metadata/version-hint.text'), 'utf8'), '4');

  const ids = (rows) => rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  const current = await icebergRead({ tableUrl: location });
  assert.deepEqual(ids(current), [1, 3, 4, 5]);
  assert.deepEqual(current.find((r) => Number(r.id) === 3), { id: 3n, name: 'c', kind: 'user' });
  assert.deepEqual(ids(await icebergRead({ tableUrl: location, metadataFileName: 'v2.metadata.json' })), [1, 2, 3]);
  assert.deepEqual(ids(await icebergRead({ tableUrl: location, metadataFileName: 'v3.metadata.json' })), [1, 2, 3, 4, 5]);

  // Compaction: d1 minus its deletes → d1c; icebird sees the same rows, and time travel still works.
  await db.run(`COPY (SELECT * FROM read_parquet('${tableDir}/data/d1.parquet') WHERE id <> 2)
                TO '${tableDir}/data/d1c.parquet' (FORMAT parquet, ${fieldIdsSql})`);
  const s4 = run('commit', root, prefix, JSON.stringify({
    add: [{ key: 'data/d1c.parquet', record_count: 2, partition: { kind: 'user' } }],
    remove: [`${location}/data/d1.parquet`, `${location}/data/del1.parquet`], operation: 'replace',
  }));
  assert.equal(s4.summary.operation, 'replace');
  assert.equal(s4.summary['total-records'], '4');
  assert.deepEqual(ids(await icebergRead({ tableUrl: location })), [1, 3, 4, 5]);
  assert.deepEqual(ids(await icebergRead({ tableUrl: location, metadataFileName: 'v4.metadata.json' })), [1, 3, 4, 5]);

  // avsc decodes the manifest list and every manifest; schemas carry field ids.
  const metadata = JSON.parse(fs.readFileSync(path.join(tableDir, 'metadata/v5.metadata.json'), 'utf8'));
  const snapshot = metadata.snapshots.at(-1);
  const list = await decodeAvro(fileURLToPath(snapshot['manifest-list']));
  const listSchema = JSON.parse(list.header.meta['avro.schema'].toString());
  assert.ok(fieldIds(listSchema).every(([, id]) => Number.isInteger(id)), 'every manifest_file field has a field-id');
  assert.equal(list.header.meta['avro.codec'].toString(), 'deflate');
  assert.equal(list.header.meta['format-version'].toString(), '2');
  // new d1c manifest, d1's and the deletes' rewritten with DELETED entries, d2's carried over
  assert.equal(list.records.length, 4);
  let live = [];
  for (const m of list.records) {
    assert.equal(typeof m.sequence_number, 'bigint');
    const manifest = await decodeAvro(fileURLToPath(m.manifest_path));
    const schemaJson = JSON.parse(manifest.header.meta['avro.schema'].toString());
    const ids = Object.fromEntries(fieldIds(schemaJson));
    assert.equal(ids.file_path, 100);
    assert.equal(ids.status, 0);
    assert.equal(ids.lower_bounds, 125);
    assert.ok(JSON.parse(manifest.header.meta['schema'].toString()).fields.length === 3);
    assert.equal(manifest.header.meta['partition-spec'].toString(), JSON.stringify(spec.fields));
    for (const e of manifest.records) {
      assert.equal(e.data_file.partition.kind !== undefined, true);
      if (e.status !== 2) live.push(path.basename(e.data_file.file_path));
    }
  }
  assert.deepEqual(live.sort(), ['d1c.parquet', 'd2.parquet']);

  // Our own planner agrees; expiry and orphan removal keep the current rows readable.
  const plan = run('plan', root, prefix);
  assert.deepEqual(plan.tasks.map((t) => path.basename(t.path)).sort(), ['d1c.parquet', 'd2.parquet']);
  fs.writeFileSync(path.join(tableDir, 'data/orphan.parquet'), 'PAR1');
  const expired = run('expire', root, prefix, String(Date.now() + 1000), '1');
  assert.equal(expired.expired.length, 3);
  assert.ok(expired.deleted.includes(`${prefix}/data/d1.parquet`));
  const orphans = run('orphans', root, prefix, String(Date.now() + 1000));
  assert.deepEqual(orphans.removed, [`${prefix}/data/orphan.parquet`]);
  assert.deepEqual(ids(await icebergRead({ tableUrl: location })), [1, 3, 4, 5]);
  fs.rmSync(root, { recursive: true, force: true });
});

// The cold tier's shape: identity(type) + day(created_at) on a timestamptz column.
test('icebird reads a table partitioned by identity + day(timestamptz)', async () => {
  assert.ok(tool, `iceberg_interop_tool not found under ${binDir}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsdb-iceberg-day-'));
  const prefix = 'ns/things';
  const tableDir = path.join(root, prefix);
  const location = `file://${tableDir}`;
  fs.mkdirSync(path.join(tableDir, 'data'), { recursive: true });
  const db = await duckdb();
  await db.run("SET TimeZone = 'UTC'");
  const ids = 'FIELD_IDS {id: 1, type: 2, created_at: 3}';
  await db.run(`COPY (SELECT * FROM (VALUES ('t1', 'user', TIMESTAMPTZ '2024-01-02 10:00:00+00'),
                                            ('t2', 'user', TIMESTAMPTZ '2024-01-02 23:59:59+00')) v(id, type, created_at))
                TO '${tableDir}/data/user-2024-01-02.parquet' (FORMAT parquet, ${ids})`);
  await db.run(`COPY (SELECT * FROM (VALUES ('t3', 'post', TIMESTAMPTZ '2024-01-03 00:00:00+00')) v(id, type, created_at))
                TO '${tableDir}/data/post-2024-01-03.parquet' (FORMAT parquet, ${ids})`);
  const schemaJson = { type: 'struct', 'schema-id': 0, fields: [
    { id: 1, name: 'id', required: true, type: 'string' },
    { id: 2, name: 'type', required: true, type: 'string' },
    { id: 3, name: 'created_at', required: true, type: 'timestamptz' }] };
  const specJson = { 'spec-id': 0, fields: [
    { name: 'type', transform: 'identity', 'source-id': 2, 'field-id': 1000 },
    { name: 'created_at_day', transform: 'day', 'source-id': 3, 'field-id': 1001 }] };
  run('create', root, prefix, location, JSON.stringify(schemaJson), JSON.stringify(specJson));
  run('commit', root, prefix, JSON.stringify({ add: [
    { key: 'data/user-2024-01-02.parquet', record_count: 2, partition: { type: 'user', created_at_day: '2024-01-02' },
      lower_bounds: { 1: 't1', 3: '2024-01-02T10:00:00' }, upper_bounds: { 1: 't2', 3: '2024-01-02T23:59:59' } },
    { key: 'data/post-2024-01-03.parquet', record_count: 1, partition: { type: 'post', created_at_day: '2024-01-03' } }] }));
  const rows = await icebergRead({ tableUrl: location });
  assert.deepEqual(rows.map((r) => r.id).sort(), ['t1', 't2', 't3']);
  const t3 = rows.find((r) => r.id === 't3');
  assert.equal(new Date(t3.created_at).toISOString(), '2024-01-03T00:00:00.000Z');

  const metadata = JSON.parse(fs.readFileSync(path.join(tableDir, 'metadata/v2.metadata.json'), 'utf8'));
  const list = await decodeAvro(fileURLToPath(metadata.snapshots[0]['manifest-list']));
  assert.equal(list.records.length, 1);
  const summaries = list.records[0].partitions;
  assert.equal(Buffer.from(summaries[0].lower_bound).toString(), 'post');
  assert.equal(Buffer.from(summaries[0].upper_bound).toString(), 'user');
  assert.equal(Buffer.from(summaries[1].lower_bound).readInt32LE(), 19724);  // 2024-01-02 in days
  const manifest = await decodeAvro(fileURLToPath(list.records[0].manifest_path));
  const schema = JSON.parse(manifest.header.meta['avro.schema'].toString());
  const partition = schema.fields.find((f) => f.name === 'data_file').type.fields.find((f) => f.name === 'partition');
  assert.deepEqual(partition.type.fields.map((f) => [f.name, f['field-id'], JSON.stringify(f.type)]), [
    ['type', 1000, '["null","string"]'],
    ['created_at_day', 1001, '["null",{"type":"int","logicalType":"date"}]'],
  ]);
  const days = manifest.records.map((e) => e.data_file.partition.created_at_day).sort();
  assert.deepEqual(days, [19724, 19725]);
  fs.rmSync(root, { recursive: true, force: true });
});

// Rows of the Spark fixture at each snapshot: our plan's files read by DuckDB, equality
// deletes applied in JS (the README's table).
test('planned files of the Spark table give the README rows at every snapshot', async (t) => {
  if (!fs.existsSync(fixtures)) return t.skip('no fixtures');
  assert.ok(tool, `iceberg_interop_tool not found under ${binDir}`);
  const prefix = 'data/persistent/equality_deletes/warehouse/mydb/mytable';
  const db = await duckdb();
  const read = async (p) => (await db.runAndReadAll(`SELECT * FROM read_parquet('${path.join(fixtures, p)}')`)).getRowObjectsJson();
  const expected = {
    '853766660775201079': [1, 2, 3, 4],
    '1584331123492059582': [3, 4],
    '842401149381792626': [4],
    '3340507003387467420': [4, 5, 6],
    '1916084761853986166': [4, 5],
  };
  for (const [snapshotId, want] of Object.entries(expected)) {
    const plan = run('plan', fixtures, prefix, snapshotId);
    const rows = [];
    for (const task of plan.tasks) {
      const deletes = [];
      for (const d of task.deletes) deletes.push(...(await read(d.path)));
      for (const row of await read(task.path)) {
        const deleted = deletes.some((d) => Object.entries(d).every(([k, v]) => row[k] === v));
        if (!deleted) rows.push(Number(row.id));
      }
    }
    assert.deepEqual(rows.sort(), want, `snapshot ${snapshotId}`);
  }
  assert.throws(() => execFileSync(tool, ['plan', fixtures, prefix, '7342794868382145167'], { stdio: 'pipe' }),
    (err) => /NotFound.*snap-7342794868382145167-1-34f7dec7/.test(String(err.stderr)));
});
