// DuckDB (1 thread) runs the tiering benchmark's full aggregate over our cold things files
// directly (read_parquet of the table's data files; the benchmark writes no deletes), so its
// time sits beside thingsdb's. Usage: node bench/tiering/duckdb_aggregate.mjs WAREHOUSE_THINGS_DIR
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'tests/interop/package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const dir = process.argv[2];
if (!dir || !fs.existsSync(path.join(dir, 'data'))) {
  console.error(`usage: duckdb_aggregate.mjs <warehouse>/<ns>/things (no data/ under '${dir}')`);
  process.exit(2);
}
const glob = path.join(dir, 'data', '**', '*.parquet');
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run('SET threads = 1');
const sql = `SELECT type, count(*), avg(CAST(json_extract(data, '$.age') AS DOUBLE)) FROM read_parquet('${glob}') GROUP BY type ORDER BY type`;
let best = Infinity;
let rows;
for (let i = 0; i < 3; i += 1) {
  const start = process.hrtime.bigint();
  const reader = await conn.runAndReadAll(sql);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  best = Math.min(best, ms);
  rows = reader.getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}
console.log(JSON.stringify({ duckdb_aggregate_ms: best, rows }));
