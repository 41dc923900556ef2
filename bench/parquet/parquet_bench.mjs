// Side by side: thingsdb's Parquet writer/reader (parquet_bench, C++) vs DuckDB 1.5.6
// (1 thread) on the same 1M seed-shaped rows. DuckDB loads our file into a table, so both
// write exactly the same rows. Prints a table; figures are best of RUNS.
// Usage: THINGSDB_BENCH_BIN=<release build dir> node bench/parquet/parquet_bench.mjs [ROWS]
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'tests/interop/package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const ROWS = Number(process.argv[2] || 1000000);
const RUNS = 3;
const BIN = process.env.THINGSDB_BENCH_BIN || path.join(root, 'build/release');
const bench = [path.join(BIN, 'bench/parquet/parquet_bench'), path.join(BIN, 'parquet_bench')]
  .find((p) => fs.existsSync(p));
if (!bench) throw new Error(`parquet_bench not found under ${BIN}`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parquet-bench-'));
const ours = path.join(dir, 'ours.parquet');
const duck = path.join(dir, 'duck.parquet');

function best(runs, key) { return Math.min(...runs.map((r) => r[key])); }
const oursRuns = [];
for (let i = 0; i < RUNS; i += 1) {
  oursRuns.push(JSON.parse(execFileSync(bench, [String(ROWS), ours], { encoding: 'utf8' })));
}
const o = oursRuns[0];

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run('SET threads = 1');
await conn.run(`CREATE TABLE things AS SELECT * FROM read_parquet('${ours}') ORDER BY id`);
async function time(sql) {
  let bestMs = Infinity, rows;
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    rows = (await conn.runAndReadAll(sql)).getRowObjectsJson();
    bestMs = Math.min(bestMs, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: bestMs, rows };
}
const dw = await time(`COPY things TO '${duck}' (FORMAT parquet, COMPRESSION zstd)`);
const duckSize = fs.statSync(duck).size;
const full = await time(`SELECT count(*), sum(length(id)), sum(length(type)), sum(length(data::VARCHAR)),
  sum(epoch_ms(created_at)), sum(epoch_ms(updated_at)) FROM read_parquet('${duck}')`);
const proj = await time(`SELECT sum(length(id)) FROM read_parquet('${duck}')`);
const look = await time(`SELECT * FROM read_parquet('${duck}') WHERE id = '${o.lookup_id}'`);
const oursOnDuck = JSON.parse(execFileSync(bench, ['read', duck, o.lookup_id], { encoding: 'utf8' }));

const mb = o.raw_bytes / 1e6;
const oursWrite = best(oursRuns, 'write_s') * 1000;
const rows = [
  ['write (zstd)', `${oursWrite.toFixed(0)} ms = ${(mb / oursWrite * 1000).toFixed(0)} MB/s, ${(ROWS / oursWrite / 1000).toFixed(2)}M rows/s`,
    `${dw.ms.toFixed(0)} ms = ${(mb / dw.ms * 1000).toFixed(0)} MB/s, ${(ROWS / dw.ms / 1000).toFixed(2)}M rows/s`, (oursWrite / dw.ms).toFixed(2)],
  ['file size', `${(o.file_bytes / 1e6).toFixed(2)} MB (${(o.bloom_bytes / 1e6).toFixed(2)} MB of it the id bloom filters)`, `${(duckSize / 1e6).toFixed(2)} MB (no bloom filter on id)`, (o.file_bytes / duckSize).toFixed(2)],
  ['file size without bloom filters', `${((o.file_bytes - o.bloom_bytes) / 1e6).toFixed(2)} MB`, `${(duckSize / 1e6).toFixed(2)} MB`, ((o.file_bytes - o.bloom_bytes) / duckSize).toFixed(2)],
  ['full read (5 columns)', `${(best(oursRuns, 'full_read_s') * 1000).toFixed(0)} ms`, `${full.ms.toFixed(0)} ms`, (best(oursRuns, 'full_read_s') * 1000 / full.ms).toFixed(2)],
  ['projected read (id)', `${(best(oursRuns, 'projected_read_s') * 1000).toFixed(0)} ms`, `${proj.ms.toFixed(0)} ms`, (best(oursRuns, 'projected_read_s') * 1000 / proj.ms).toFixed(2)],
  ['point lookup by id', `${(best(oursRuns, 'lookup_s') * 1000).toFixed(1)} ms (${o.lookup_row_groups}/${o.row_groups} row groups, ${o.lookup_pages} pages, ${(o.lookup_bytes / 1024).toFixed(0)} KiB)`,
    `${look.ms.toFixed(1)} ms`, (best(oursRuns, 'lookup_s') * 1000 / look.ms).toFixed(2)],
  ['our reader on DuckDB\'s file', `full ${(oursOnDuck.full_read_s * 1000).toFixed(0)} ms, id ${(oursOnDuck.projected_read_s * 1000).toFixed(0)} ms, lookup ${(oursOnDuck.lookup_s * 1000).toFixed(1)} ms (${oursOnDuck.lookup_row_groups}/${oursOnDuck.row_groups} row groups, ${oursOnDuck.lookup_pages} pages)`, '', ''],
];
console.log(`${ROWS} seed-shaped rows (${mb.toFixed(0)} MB of values), best of ${RUNS}, 1 thread`);
console.log('| operation | thingsdb parquet | DuckDB 1.5.6 | ratio |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
if (look.rows.length !== 1 || o.lookup_rows !== 1) throw new Error('point lookup did not find exactly one row');
fs.rmSync(dir, { recursive: true, force: true });
