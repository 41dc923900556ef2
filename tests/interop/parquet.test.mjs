// Interop of thingsdb's own Parquet module (src/parquet) with independent implementations:
// ours -> DuckDB and hyparquet read the same values, DuckDB accepts our statistics, field
// ids and bloom filters; theirs (DuckDB COPY with each codec, hyparquet-writer,
// parquet-wasm) -> our reader returns the same values.
// Run: THINGSDB_BIN=/work/main/build/parquet node --test tests/interop/parquet.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteFile } from 'hyparquet-writer';
import * as wasm from 'parquet-wasm';
import { tableFromArrays, tableToIPC } from 'apache-arrow';

const BIN = process.env.THINGSDB_BIN || '/work/main/build/parquet';
const TOOL = [path.join(BIN, 'src/parquet/parquet_interop_tool'), path.join(BIN, 'parquet_interop_tool')]
  .find((p) => fs.existsSync(p));
const N = 3000;
let dir, db, conn;

function tool(...args) {
  assert.ok(TOOL, `parquet_interop_tool not found under ${BIN}`);
  return execFileSync(TOOL, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}
function catOurs(file, ...args) {
  return tool('cat', file, ...args).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
async function query(sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson();
}
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const f32hex = (arr) => hex(new Uint8Array(new Float32Array(arr).buffer));

// ---- the table we write -------------------------------------------------------------
const COLUMNS = [
  { name: 'id', type: 'BYTE_ARRAY', logical: 'STRING', field_id: 1, bloom: true },
  { name: 'type', type: 'BYTE_ARRAY', logical: 'STRING', field_id: 2 },
  { name: 'data', type: 'BYTE_ARRAY', logical: 'JSON', field_id: 3 },
  { name: 'n', type: 'INT64', optional: true, field_id: 4, bloom: true },
  { name: 'score', type: 'DOUBLE', optional: true, field_id: 5 },
  { name: 'flag', type: 'BOOLEAN', field_id: 6 },
  { name: 'small', type: 'INT32', logical: 'INT16', field_id: 7 },
  { name: 'day', type: 'INT32', logical: 'DATE', field_id: 8 },
  { name: 'created_at', type: 'INT64', logical: 'TIMESTAMP_MILLIS', field_id: 9, encoding: 'DELTA_BINARY_PACKED', dictionary: false },
  { name: 'ts_us', type: 'INT64', logical: 'TIMESTAMP_MICROS', field_id: 10 },
  { name: 'f', type: 'FLOAT', field_id: 11 },
  { name: 'embedding', type: 'BYTE_ARRAY', optional: true, field_id: 12 },
  { name: 'fixed', type: 'FIXED_LEN_BYTE_ARRAY', type_length: 4, field_id: 13 },
  { name: 'note', type: 'BYTE_ARRAY', logical: 'STRING', optional: true, field_id: 14 },
];

function row(i) {
  return {
    id: 'k' + i.toString(36).padStart(8, '0'),
    type: ['user', 'post', 'comment'][i % 3],
    data: JSON.stringify({ name: `User ${i}`, age: i % 90, tags: ['a', 'b'] }),
    n: i % 7 === 0 ? null : i * 1000003 - 500000000,
    score: i % 5 === 0 ? null : i / 4 - 100.5,
    flag: i % 3 === 0,
    small: (i % 200) - 100,
    day: 19000 + (i % 365),
    created_at: 1700000000000 + i * 1000,
    ts_us: (1700000000000 + i) * 1000,
    f: (i % 100) / 8,
    embedding: i % 4 === 0 ? null : [i, -i / 2, 0.25],
    fixed: 'fx' + String.fromCharCode(97 + (i % 26)) + String.fromCharCode(65 + (i % 20)),
    note: i % 2 ? null : 'x'.repeat(i % 150) + 'é' + i,  // long strings: truncated stats
  };
}
const ROWS = Array.from({ length: N }, (_, i) => row(i));

function writeOurs(name, options) {
  const spec = path.join(dir, `${name}.json`);
  const out = path.join(dir, `${name}.parquet`);
  fs.writeFileSync(spec, JSON.stringify({ options, columns: COLUMNS, rows: ROWS }));
  tool('write', spec, out);
  return out;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsdb-parquet-'));
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// ---- ours -> DuckDB, hyparquet ------------------------------------------------------

const VARIANTS = [];
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) {
  for (const page_version of [1, 2]) VARIANTS.push({ codec, page_version });
}

for (const options of VARIANTS) {
  const name = `ours_${options.codec}_v${options.page_version}`;
  test(`DuckDB and hyparquet read ours (${options.codec}, page v${options.page_version})`, async () => {
    const file = writeOurs(name, { ...options, page_rows: 700, row_group_rows: 1000,
      kv: { 'iceberg.schema': '{"type":"struct","schema-id":0}' } });
    const got = await query(`SELECT id, type, data::VARCHAR AS data, n, score, flag, small,
        (day - DATE '1970-01-01') AS day, epoch_ms(created_at) AS created_at, epoch_us(ts_us) AS ts_us,
        f, hex(embedding) AS embedding, fixed::VARCHAR AS fixed, note
      FROM read_parquet('${file}') ORDER BY file_row_number`.replace('FROM read_parquet', 'FROM read_parquet'));
    assert.equal(got.length, N);
    for (let i = 0; i < N; i += 1) {
      const want = ROWS[i], g = got[i];
      assert.equal(g.id, want.id);
      assert.equal(g.type, want.type);
      assert.equal(g.data, want.data);
      assert.equal(g.n === null ? null : Number(g.n), want.n);
      assert.equal(g.score, want.score);
      assert.equal(g.flag, want.flag);
      assert.equal(Number(g.small), want.small);
      assert.equal(Number(g.day), want.day);
      assert.equal(Number(g.created_at), want.created_at);
      assert.equal(Number(g.ts_us), want.ts_us);
      assert.equal(g.f, want.f);
      assert.equal(g.embedding, want.embedding === null ? null : f32hex(want.embedding).toUpperCase());
      assert.equal(g.fixed, want.fixed);
      assert.equal(g.note, want.note);
    }
    const hy = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors, utf8: false });
    assert.equal(hy.length, N);
    for (let i = 0; i < N; i += 1) {
      const want = ROWS[i], h = hy[i];
      assert.equal(h.id, want.id);
      assert.deepEqual(h.data, JSON.parse(want.data));
      assert.equal(h.n === null ? null : Number(h.n), want.n);
      assert.equal(h.score, want.score);
      assert.equal(h.flag, want.flag);
      assert.equal(h.small, want.small);
      assert.equal(h.day.getTime(), want.day * 86400000);
      assert.equal(h.created_at.getTime(), want.created_at);
      assert.equal(h.f, want.f);
      assert.equal(h.embedding === null ? null : hex(h.embedding), want.embedding === null ? null : f32hex(want.embedding));
      assert.equal(Buffer.from(h.fixed).toString(), want.fixed);
      assert.equal(h.note, want.note);
    }
  });
}

test('DuckDB sees our field ids, statistics, key-value metadata and bloom filters', async () => {
  const file = writeOurs('ours_meta', { codec: 'zstd', page_rows: 700, row_group_rows: 1000,
    kv: { 'iceberg.schema': '{"type":"struct","schema-id":0}' } });
  const schema = await query(`SELECT name, field_id FROM parquet_schema('${file}') WHERE field_id IS NOT NULL ORDER BY field_id`);
  assert.deepEqual(schema.map((r) => [r.name, Number(r.field_id)]), COLUMNS.map((c) => [c.name, c.field_id]));
  const kv = await query(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${file}')`);
  assert.deepEqual(kv, [{ key: 'iceberg.schema', value: '{"type":"struct","schema-id":0}' }]);
  const meta = await query(`SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value,
      stats_null_count, bloom_filter_offset, bloom_filter_length, num_values
    FROM parquet_metadata('${file}') ORDER BY row_group_id, column_id`);
  for (let g = 0; g < 3; g += 1) {
    const slice = ROWS.slice(g * 1000, (g + 1) * 1000);
    const col = (name) => meta.find((r) => Number(r.row_group_id) === g && r.path_in_schema === name);
    assert.equal(col('id').stats_min_value, slice[0].id);
    assert.equal(col('id').stats_max_value, slice[slice.length - 1].id);
    assert.equal(Number(col('id').stats_null_count), 0);
    assert.notEqual(col('id').bloom_filter_offset, null);
    const ns = slice.map((r) => r.n).filter((v) => v !== null);
    assert.equal(Number(col('n').stats_min_value), Math.min(...ns));
    assert.equal(Number(col('n').stats_max_value), Math.max(...ns));
    assert.equal(Number(col('n').stats_null_count), slice.length - ns.length);
    assert.equal(col('type').bloom_filter_offset, null);
  }
  for (const r of ROWS.filter((_, i) => i % 97 === 0)) {
    const probe = await query(`SELECT row_group_id, bloom_filter_excludes FROM parquet_bloom_probe('${file}', 'id', '${r.id}') ORDER BY row_group_id`);
    const group = Math.floor(ROWS.indexOf(r) / 1000);
    assert.equal(probe[group].bloom_filter_excludes, false, `bloom filter must not exclude ${r.id}`);
  }
  let excluded = 0;
  for (let k = 0; k < 100; k += 1) {
    const probe = await query(`SELECT bloom_filter_excludes FROM parquet_bloom_probe('${file}', 'id', 'absent${k}')`);
    excluded += probe.filter((p) => p.bloom_filter_excludes).length;
  }
  assert.ok(excluded >= 290, `absent keys excluded in ${excluded}/300 row groups`);
  const point = await query(`SELECT count(*)::INT AS c FROM read_parquet('${file}') WHERE id = '${ROWS[1234].id}'`);
  assert.equal(point[0].c, 1);
});

// ---- theirs -> ours -----------------------------------------------------------------

const DUCK_SELECT = `SELECT
    'id' || lpad(i::VARCHAR, 7, '0') AS id,
    CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000003 - 500000000 END::BIGINT AS n,
    (i % 1000)::INTEGER AS small,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i / 4 - 100.5 END::DOUBLE AS score,
    (i % 3 = 0) AS flag,
    CASE WHEN i % 2 = 0 THEN NULL ELSE 'note ' || (i % 13) END AS note,
    (TIMESTAMP '2023-01-01' + INTERVAL (i) SECOND) AS ts,
    (DATE '2020-01-01' + (i % 400)::INTEGER) AS day,
    ((i % 100) / 8)::FLOAT AS f,
    ['a', 'b', 'c'][1 + i % 3] AS kind
  FROM range(20000) t(i)`;
const DUCK_EXPECT = `SELECT id, n, small, score, flag, note, epoch_us(ts) AS ts,
    (day - DATE '1970-01-01') AS day, f, kind FROM read_parquet('FILE') ORDER BY file_row_number`;

function sameRows(ours, want) {
  assert.equal(ours.length, want.length);
  for (let i = 0; i < want.length; i += 1) {
    for (const [key, value] of Object.entries(want[i])) {
      const o = ours[i][key];
      if (value === null) assert.equal(o, null, `row ${i} ${key}`);
      else if (typeof value === 'number' || typeof o === 'number') assert.equal(Number(o), Number(value), `row ${i} ${key}`);
      else assert.equal(String(o), String(value), `row ${i} ${key}`);
    }
  }
}

const DUCK_VARIANTS = [];
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) DUCK_VARIANTS.push(`COMPRESSION ${codec}`);
DUCK_VARIANTS.push('COMPRESSION zstd, PARQUET_VERSION v2', 'COMPRESSION snappy, ROW_GROUP_SIZE 3000');

for (const variant of DUCK_VARIANTS) {
  test(`we read DuckDB's files (${variant})`, async () => {
    const file = path.join(dir, `duck_${variant.replace(/\W+/g, '_')}.parquet`);
    await conn.run(`COPY (${DUCK_SELECT}) TO '${file}' (FORMAT parquet, ${variant})`);
    const want = await query(DUCK_EXPECT.replace('FILE', file));
    const ours = catOurs(file);
    sameRows(ours, want);
    const encodings = await query(`SELECT DISTINCT encodings FROM parquet_metadata('${file}')`);
    assert.ok(encodings.length > 0);
    // Predicates through our statistics, bloom filters and page index agree with DuckDB.
    const target = want[12345];
    assert.deepEqual(catOurs(file, '--where', `id = '${target.id}'`, '--columns', 'id,n'), [{ id: target.id, n: Number(target.n) }]);
    const some = catOurs(file, '--where', 'small >= 995', '--where', 'note IS NULL', '--columns', 'id');
    const duckSome = await query(`SELECT id FROM read_parquet('${file}') WHERE small >= 995 AND note IS NULL ORDER BY file_row_number`);
    assert.deepEqual(some.map((r) => r.id), duckSome.map((r) => r.id));
    // DuckDB's own bloom filter (on the dictionary column `kind`): our meta shows it, and a
    // value between min and max that no row has is answered correctly.
    assert.match(tool('meta', file), /column kind BYTE_ARRAY[^\n]*\n(?:    statistics[^\n]*\n)?    bloom filter: offset \d+/);
    assert.deepEqual(catOurs(file, '--where', "kind = 'bb'"), []);
    assert.equal(catOurs(file, '--where', "kind IN ('b')", '--columns', 'kind').length,
      want.filter((r) => r.kind === 'b').length);
  });
}

test('we read hyparquet-writer files (page v2, dictionary, statistics)', async () => {
  const file = path.join(dir, 'hyparquet.parquet');
  const count = 5000;
  const ids = Array.from({ length: count }, (_, i) => `h${String(i).padStart(6, '0')}`);
  const nums = Array.from({ length: count }, (_, i) => (i % 9 === 0 ? null : i * 3 - 7000));
  const big = Array.from({ length: count }, (_, i) => BigInt(i) * 1000000007n);
  const dbl = Array.from({ length: count }, (_, i) => i / 3);
  const bools = Array.from({ length: count }, (_, i) => i % 4 === 0);
  const cats = Array.from({ length: count }, (_, i) => ['x', 'y', null][i % 3]);
  const stamps = Array.from({ length: count }, (_, i) => new Date(1700000000000 + i * 60000));
  for (const codec of ['SNAPPY', 'UNCOMPRESSED']) {
    await parquetWriteFile({
      filename: file,
      codec,
      rowGroupSize: 2000,
      columnData: [
        { name: 'id', data: ids, type: 'STRING', bloomFilter: true, columnIndex: true },
        { name: 'num', data: nums, type: 'INT32' },
        { name: 'big', data: big, type: 'INT64', encoding: 'DELTA_BINARY_PACKED' },
        { name: 'dbl', data: dbl, type: 'DOUBLE', encoding: 'BYTE_STREAM_SPLIT' },
        { name: 'flag', data: bools, type: 'BOOLEAN' },
        { name: 'cat', data: cats, type: 'STRING' },
        { name: 'ts', data: stamps, type: 'TIMESTAMP' },
      ],
    });
    const ours = catOurs(file);
    assert.equal(ours.length, count);
    for (let i = 0; i < count; i += 1) {
      assert.equal(ours[i].id, ids[i]);
      assert.equal(ours[i].num, nums[i]);
      assert.equal(String(ours[i].big), String(big[i]));
      assert.equal(ours[i].dbl, dbl[i]);
      assert.equal(ours[i].flag, bools[i]);
      assert.equal(ours[i].cat, cats[i]);
      assert.equal(ours[i].ts, stamps[i].getTime());
    }
    assert.deepEqual(catOurs(file, '--where', "id = 'h004321'", '--columns', 'num'), [{ num: nums[4321] }]);
  }
});

test('we read parquet-wasm (arrow-rs) files', async () => {
  const count = 4000;
  const table = tableFromArrays({
    id: Array.from({ length: count }, (_, i) => `w${i}`),
    n: BigInt64Array.from({ length: count }, (_, i) => BigInt(i) * -12345n),
    x: Float64Array.from({ length: count }, (_, i) => i * 0.125),
    k: Int32Array.from({ length: count }, (_, i) => i % 17),
  });
  const wasmTable = wasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
  for (const [compression, version] of [[wasm.Compression.ZSTD, wasm.WriterVersion.V1],
    [wasm.Compression.SNAPPY, wasm.WriterVersion.V2], [wasm.Compression.GZIP, wasm.WriterVersion.V1],
    [wasm.Compression.UNCOMPRESSED, wasm.WriterVersion.V2]]) {
    const props = new wasm.WriterPropertiesBuilder().setCompression(compression).setWriterVersion(version).build();
    const file = path.join(dir, `wasm_${compression}_${version}.parquet`);
    fs.writeFileSync(file, wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(table, 'stream')), props));
    const ours = catOurs(file);
    assert.equal(ours.length, count);
    for (let i = 0; i < count; i += 1) {
      assert.equal(ours[i].id, `w${i}`);
      assert.equal(String(ours[i].n), String(BigInt(i) * -12345n));
      assert.equal(ours[i].x, i * 0.125);
      assert.equal(ours[i].k, i % 17);
    }
  }
  wasmTable.free?.();
});
