// The seed's own method on better-sqlite3 (spike report, section 4), on the same rows as the
// thingsdb side (bench/hot/hot_bench.cc). Prints one JSON object on stdout; progress on stderr.
//
//   node bench/hot/seed_method.mjs --work DIR [--quick]      run every benchmark
//   node bench/hot/seed_method.mjs --dump-rows N             print rows 0..N-1 ("type\tdata")
//   node bench/hot/seed_method.mjs --cte FILE START DEPTH MODE ITERS   (internal: one CTE run
//                                                             in a child with a time limit)
//
// The seed's method, as its things-db.ts/things-db.test.ts wrote it: the seed schema, one
// prepared INSERT, db.transaction() around the batch, and inside the loop generateId()
// (Date.now().toString(36) + '_' + 8 random base-36 chars), Date.now() and
// JSON.stringify(data). Pragmas are set explicitly (better-sqlite3's SQLite 3.53 and
// Debian's 3.40 have different compiled defaults).
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../tests/interop/package.json', import.meta.url));
const Database = require('better-sqlite3');
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// The shared deterministic data (hot_bench.cc generates byte-identical rows; run_hot_bench.sh
// checks the hashes of --dump-rows on both sides).
const TAGS = [['a', 'b'], ['b', 'c'], ['a'], ['c', 'd', 'e']];
export function rowType(i) { return i % 10 === 9 ? 'admin' : 'user'; }
export function rowData(i) {
  return {
    name: `User ${i}`,
    email: `user${i}@example.com`,
    age: 18 + ((i * 7) % 60),
    active: i % 3 !== 0,
    tags: TAGS[i % 4],
    address: { city: `City ${i % 100}`, zip: String(10000 + (i % 90000)) },
  };
}
// The seed's own storage-test rows (things-db.test.ts, 'measures database size growth'), with
// timestamp fixed per row instead of Date.now() so both sides store the same bytes.
export function eventData(i) {
  return { eventType: 'page_view', userId: `user_${i % 100}`, page: `/page/${i}`,
    timestamp: 1736553600000 + i, metadata: { key: 'value', num: i } };
}
// Probe k of a query run: which row's email to look for (same sequence on both sides).
function probe(k, n) { return (k * 7919 + 13) % n; }

// xorshift32: the follow graph, identical on both sides.
function makeRng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}
// users × follows edges: for each user, `follows` draws; self-loops and repeats are skipped
// (the seed used INSERT OR IGNORE for repeats; skipping them keeps both sides identical).
function followEdges(users, follows) {
  const rng = makeRng(0x9e3779b9);
  const edges = [];
  for (let i = 0; i < users; i++) {
    const seen = new Set();
    for (let j = 0; j < follows; j++) {
      const to = rng() % users;
      if (to === i || seen.has(to)) continue;
      seen.add(to);
      edges.push([i, to]);
    }
  }
  return edges;
}

// ---------------------------------------------------------------------------------------------
// The seed's code (things-db.ts), kept to what the benchmarks call.
const SEED_SCHEMA = `
CREATE TABLE IF NOT EXISTS things (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  embedding BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_things_type ON things(type);
CREATE INDEX IF NOT EXISTS idx_things_created ON things(created_at);
CREATE INDEX IF NOT EXISTS idx_things_updated ON things(updated_at);
CREATE TABLE IF NOT EXISTS relationships (
  id TEXT PRIMARY KEY,
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (from_id) REFERENCES things(id) ON DELETE CASCADE,
  FOREIGN KEY (to_id) REFERENCES things(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_rel_from ON relationships(from_id, type);
CREATE INDEX IF NOT EXISTS idx_rel_to ON relationships(to_id, type);
CREATE INDEX IF NOT EXISTS idx_rel_type ON relationships(type);
CREATE UNIQUE INDEX IF NOT EXISTS idx_rel_unique ON relationships(from_id, to_id, type);
`;

const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', 'cache_size = -16000'];

function generateId() {
  const timestamp = Date.now().toString(36);
  const random = Math.random().toString(36).substring(2, 10);
  return `${timestamp}_${random}`;
}

function openSeedDb(file, { fresh = true } = {}) {
  if (fresh) removeDb(file);
  const db = new Database(file);
  for (const p of PRAGMAS) db.pragma(p);
  db.exec(SEED_SCHEMA);
  return db;
}

function removeDb(file) {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

class SeedThings {
  constructor(db) {
    this.db = db;
    this.insertThing = db.prepare(`
        INSERT INTO things (id, type, data, embedding, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?)`);
    const related = (join, where) => db.prepare(`
        SELECT t.id, t.type, t.data, t.embedding, t.created_at, t.updated_at
        FROM things t
        JOIN relationships r ON r.${join} = t.id
        WHERE r.${where} = ? AND r.type = ?
        ORDER BY t.created_at DESC`);
    this.findRelatedFromByType = related('to_id', 'from_id');
    this.findRelatedToByType = related('from_id', 'to_id');
  }
  createThing(input) {
    const id = input.id ?? generateId();
    const now = Date.now();
    const dataJson = JSON.stringify(input.data);
    const embeddingBlob = null;
    this.insertThing.run(id, input.type, dataJson, embeddingBlob, now, now);
    return { id, type: input.type, data: input.data, embedding: null,
      createdAt: new Date(now), updatedAt: new Date(now) };
  }
  createThings(inputs) {
    const things = [];
    const insertMany = this.db.transaction((items) => {
      for (const input of items) things.push(this.createThing(input));
    });
    insertMany(inputs);
    return things;
  }
  // things-db.ts findByJsonPath: prepared per call, path bound as a parameter.
  findByJsonPath(p, value) {
    const stmt = this.db.prepare(`
      SELECT id, type, data, embedding, created_at, updated_at
      FROM things
      WHERE json_extract(data, ?) = ?
      ORDER BY created_at DESC`);
    return stmt.all(p, value).map(rowToThing);
  }
  findRelated(thingId, relType, direction) {
    const results = [];
    if (direction === 'outgoing' || direction === 'both') {
      results.push(...this.findRelatedFromByType.all(thingId, relType).map(rowToThing));
    }
    if (direction === 'incoming' || direction === 'both') {
      results.push(...this.findRelatedToByType.all(thingId, relType).map(rowToThing));
    }
    return results;
  }
}

function rowToThing(row) {
  return { id: row.id, type: row.type, data: JSON.parse(row.data), embedding: null,
    createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) };
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers.
const now = () => performance.now();
function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }
// Wall-clock avg / P50 / P99 per call, and the process's CPU time per call (user + system):
// on a shared 2-core machine the CPU figure is the one other processes cannot inflate.
function latencies(iters, warmup, fn) {
  for (let k = 0; k < warmup; k++) fn(k);
  const out = new Array(iters);
  const c0 = process.cpuUsage();
  for (let k = 0; k < iters; k++) { const t = now(); fn(k); out[k] = now() - t; }
  const c = process.cpuUsage(c0);
  out.sort((a, b) => a - b);
  const avg = out.reduce((a, b) => a + b, 0) / iters;
  const p50 = out[Math.floor(iters / 2)];
  const p99 = out[Math.min(iters - 1, Math.floor(iters * 0.99))];
  return { avg_ms: avg, p50_ms: p50, p99_ms: p99, cpu_ms: (c.user + c.system) / 1000 / iters, iters };
}
function log(msg) { process.stderr.write(`[better-sqlite3] ${msg}\n`); }
function fileBytes(file) { return fs.statSync(file).size; }
// EXPLAIN QUERY PLAN with the parameters the benchmark binds (STAT4 plans depend on them).
function plan(db, sql, params) {
  return db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => r.detail).join('; ');
}

// ---------------------------------------------------------------------------------------------
function writeBench(work, sizes, reps) {
  const out = {};
  for (const n of sizes) {
    const inputs = [];
    for (let i = 0; i < n; i++) inputs.push({ type: rowType(i), data: rowData(i) });
    const runs = [];
    const cpus = [];
    let bytes = 0;
    for (let r = 0; r < (reps[n] ?? 1); r++) {
      const file = path.join(work, `b3_write_${n}.db`);
      const db = openSeedDb(file);
      const things = new SeedThings(db);
      const t = now();
      const c0 = process.cpuUsage();
      things.createThings(inputs);
      runs.push(now() - t);
      const c = process.cpuUsage(c0);
      cpus.push((c.user + c.system) / 1000);
      db.pragma('wal_checkpoint(TRUNCATE)');
      const count = db.prepare('SELECT count(*) c FROM things').get().c;
      if (count !== n) throw new Error(`wrote ${count} of ${n}`);
      db.close();
      bytes = fileBytes(file);
    }
    const ms = median(runs);
    const cpu = median(cpus);
    out[n] = { ms, writes_per_s: n / (ms / 1000), cpu_ms: cpu, writes_per_cpu_s: n / (cpu / 1000),
      runs_ms: runs, bytes, bytes_per_thing: bytes / n };
    log(`write ${n}: ${Math.round(out[n].writes_per_s)}/s, ${out[n].bytes_per_thing.toFixed(1)} B/thing`);
  }
  // Context (not the seed's method): ids and JSON made before the timed loop.
  {
    const n = sizes.includes(100000) ? 100000 : 10000;
    const rows = [];
    for (let i = 0; i < n; i++) rows.push([`${Date.now().toString(36)}_${Math.random().toString(36).substring(2, 10)}`, rowType(i), JSON.stringify(rowData(i))]);
    const file = path.join(work, 'b3_write_prebuilt.db');
    const db = openSeedDb(file);
    const ins = db.prepare('INSERT INTO things (id, type, data, embedding, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    const t = now();
    const ts = Date.now();
    db.transaction(() => { for (const [id, ty, d] of rows) ins.run(id, ty, d, null, ts, ts); })();
    const ms = now() - t;
    db.close();
    removeDb(file);
    out.prebuilt = { n, writes_per_s: n / (ms / 1000) };
    log(`write ${n} prebuilt ids+JSON: ${Math.round(out.prebuilt.writes_per_s)}/s`);
  }
  return out;
}

// Bytes per thing on the seed's own storage rows (the report's 307/264/258 came from these).
function seedShapeStorage(work, sizes) {
  const out = {};
  for (const n of sizes) {
    const inputs = [];
    for (let i = 0; i < n; i++) inputs.push({ type: 'event', data: eventData(i) });
    const file = path.join(work, `b3_event_${n}.db`);
    const db = openSeedDb(file);
    const t = now();
    new SeedThings(db).createThings(inputs);
    const ms = now() - t;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = fileBytes(file);
    removeDb(file);
    out[n] = { writes_per_s: n / (ms / 1000), bytes, bytes_per_thing: bytes / n };
    log(`seed-shape storage ${n}: ${out[n].bytes_per_thing.toFixed(1)} B/thing`);
  }
  return out;
}

function queryBench(work, n) {
  const file = path.join(work, `b3_write_${n}.db`);
  const db = new Database(file);
  for (const p of PRAGMAS) db.pragma(p);
  const things = new SeedThings(db);
  const big = n >= 1000000;
  const scanIters = big ? 5 : 200;
  const slowIters = big ? 3 : 200;  // variants that cannot use any index
  const email = (k) => `user${probe(k, n)}@example.com`;
  const res = { n };
  const sqlEq = "SELECT id, type, data, embedding, created_at, updated_at FROM things WHERE json_extract(data, '$.email') = ?";
  const eq = db.prepare(sqlEq);
  const check = eq.all(email(0));
  if (check.length !== 1) throw new Error(`expected 1 row for ${email(0)}, got ${check.length}`);
  res.noindex_prepared = latencies(scanIters, big ? 1 : 2, (k) => eq.all(email(k)));
  res.noindex_prepared.plan = plan(db, sqlEq, [email(0)]);
  res.noindex_seed_find = latencies(slowIters, big ? 1 : 2, (k) => things.findByJsonPath('$.email', email(k)));
  log(`json eq ${n} no index: prepared ${res.noindex_prepared.avg_ms.toFixed(3)} ms, seed findByJsonPath ${res.noindex_seed_find.avg_ms.toFixed(3)} ms`);

  // Multi-condition (the same statement thingsdb's Find emits, ORDER BY id LIMIT 100).
  const sqlMulti = "SELECT id, type, data, embedding, created_at, updated_at FROM things WHERE type = ? AND json_extract(data, '$.age') > ? AND json_extract(data, '$.active') = ? ORDER BY id LIMIT 100";
  const multi = db.prepare(sqlMulti);
  if (!big) {  // the table's multi-condition row is at 10K
    res.multi = latencies(500, 5, () => multi.all('user', 30, 1));
    res.multi.plan = plan(db, sqlMulti, ['user', 30, 1]);
    res.multi.rows = multi.all('user', 30, 1).length;
  }

  // The seed's JSON index: a VIRTUAL generated column + index (things-db.ts createJsonIndex).
  let t = now();
  db.exec("ALTER TABLE things ADD COLUMN json_email TEXT GENERATED ALWAYS AS (json_extract(data, '$.email')) VIRTUAL");
  db.exec('CREATE INDEX IF NOT EXISTS idx_json_json_email ON things(json_email)');
  res.gencol_index_build_ms = now() - t;
  const sqlGen = 'SELECT id, type, data, embedding, created_at, updated_at FROM things WHERE json_email = ?';
  const gen = db.prepare(sqlGen);
  res.gencol_named = latencies(2000, 100, (k) => gen.all(email(k)));
  res.gencol_named.plan = plan(db, sqlGen, [email(0)]);
  // The json_extract form with only the generated-column index (does 3.53's planner use it?).
  const eqGen = db.prepare(sqlEq);
  res.gencol_jsonextract_plan = plan(db, sqlEq, [email(0)]);
  const usesIndex = /USING INDEX/.test(res.gencol_jsonextract_plan);
  res.gencol_jsonextract = latencies(usesIndex ? 2000 : slowIters, big ? 1 : 2, (k) => eqGen.all(email(k)));
  res.gencol_seed_find = latencies(slowIters, big ? 1 : 2, (k) => things.findByJsonPath('$.email', email(k)));
  // An expression index on the json_extract form (what thingsdb's AddIndex makes).
  t = now();
  db.exec("CREATE INDEX idx_expr_email ON things(json_extract(data, '$.email'))");
  res.expr_index_build_ms = now() - t;
  const eqExpr = db.prepare(sqlEq);
  res.expr_prepared = latencies(2000, 100, (k) => eqExpr.all(email(k)));
  res.expr_prepared.plan = plan(db, sqlEq, [email(0)]);
  if (!big) {
    // The same multi-condition query once the planner has statistics (ANALYZE).
    db.exec('ANALYZE');
    const multiA = db.prepare(sqlMulti);
    res.multi_analyzed = latencies(500, 5, () => multiA.all('user', 30, 1));
    res.multi_analyzed.plan = plan(db, sqlMulti, ['user', 30, 1]);
  }
  log(`json eq ${n} indexed: gencol (named) ${res.gencol_named.avg_ms.toFixed(4)} ms, expr ${res.expr_prepared.avg_ms.toFixed(4)} ms; json_extract w/ gencol only: ${res.gencol_jsonextract.avg_ms.toFixed(3)} ms`);
  db.close();
  return res;
}

function buildGraph(file, users, follows) {
  const db = openSeedDb(file);
  const things = new SeedThings(db);
  const inputs = [];
  for (let i = 0; i < users; i++) inputs.push({ id: `user_${i}`, type: 'user', data: { name: `User ${i}` } });
  let t = now();
  things.createThings(inputs);
  const usersMs = now() - t;
  const edges = followEdges(users, follows);
  // The seed's relationship load: INSERT OR IGNORE in one transaction, generateId(), Date.now().
  const stmt = db.prepare(`
      INSERT OR IGNORE INTO relationships (id, from_id, to_id, type, data, created_at)
      VALUES (?, ?, ?, ?, ?, ?)`);
  t = now();
  db.transaction((items) => {
    for (const [from, to] of items) stmt.run(generateId(), `user_${from}`, `user_${to}`, 'follows', null, Date.now());
  })(edges);
  const edgesMs = now() - t;
  const count = db.prepare('SELECT count(*) c FROM relationships').get().c;
  if (count !== edges.length) throw new Error(`relationships ${count} != ${edges.length}`);
  log(`graph ${users}x${follows}: ${edges.length} edges, users ${usersMs.toFixed(0)} ms, edges ${edgesMs.toFixed(0)} ms`);
  return { db, things, edges: edges.length, users_ms: usersMs, edges_ms: edgesMs };
}

function oneHopBench(work, users, follows) {
  const file = path.join(work, `b3_graph_${users}.db`);
  const { db, things, edges } = buildGraph(file, users, follows);
  const uid = (k) => `user_${probe(k, users)}`;
  const res = { users, edges };
  const iters = 5000;
  for (const [name, dir] of [['out', 'outgoing'], ['in', 'incoming'], ['both', 'both']]) {
    res[`seed_${name}`] = latencies(iters, 200, (k) => things.findRelated(uid(k), 'follows', dir));
  }
  const rawOut = db.prepare('SELECT to_id FROM relationships WHERE from_id = ? AND type = ?');
  const rawIn = db.prepare('SELECT from_id FROM relationships WHERE to_id = ? AND type = ?');
  res.raw_out = latencies(iters, 200, (k) => rawOut.all(uid(k), 'follows'));
  res.raw_in = latencies(iters, 200, (k) => rawIn.all(uid(k), 'follows'));
  res.raw_both = latencies(iters, 200, (k) => { rawOut.all(uid(k), 'follows'); rawIn.all(uid(k), 'follows'); });
  res.plan_seed_out = plan(db, 'SELECT t.id, t.type, t.data, t.embedding, t.created_at, t.updated_at FROM things t JOIN relationships r ON r.to_id = t.id WHERE r.from_id = ? AND r.type = ? ORDER BY t.created_at DESC', ['user_1', 'follows']);
  res.plan_raw_out = plan(db, 'SELECT to_id FROM relationships WHERE from_id = ? AND type = ?', ['user_1', 'follows']);
  log(`1-hop ${users}x${follows}: seed out ${res.seed_out.avg_ms.toFixed(4)} ms, raw out ${res.raw_out.avg_ms.toFixed(4)} ms`);
  db.close();
  return res;
}

// Recursive CTEs. Written the plain way (`FROM reach JOIN relationships r`), SQLite's planner
// (3.40 and 3.53 alike, no ANALYZE) drives each recursive step from idx_rel_type (type=?), i.e.
// scans every 'follows' edge per visited node; `CROSS JOIN` pins the join order so each step
// is one probe of idx_rel_unique (from_id=?). The tuned forms are the ones the targets use.
const CTE = {
  naive: `WITH RECURSIVE reach(id, depth) AS (
      SELECT @start, 0
      UNION
      SELECT r.to_id, reach.depth + 1 FROM reach JOIN relationships r ON r.from_id = reach.id
      WHERE r.type = 'follows' AND reach.depth < @depth)
    SELECT id, min(depth) AS depth FROM reach WHERE id <> @start GROUP BY id`,
  // Exact depth-limited semantics: UNION dedups (id, depth) pairs; a node reached at several
  // depths is expanded once per depth.
  depth: `WITH RECURSIVE reach(id, depth) AS (
      SELECT @start, 0
      UNION
      SELECT r.to_id, reach.depth + 1 FROM reach CROSS JOIN relationships r ON r.from_id = reach.id
      WHERE r.type = 'follows' AND reach.depth < @depth)
    SELECT id, min(depth) AS depth FROM reach WHERE id <> @start GROUP BY id`,
  // UNION on (id) alone: each node expanded once, but then the CTE cannot stop at a depth, so
  // this is the whole reachable set (the transitive closure); @depth is unused.
  id: `WITH RECURSIVE reach(id) AS (
      SELECT @start
      UNION
      SELECT r.to_id FROM reach CROSS JOIN relationships r ON r.from_id = reach.id
      WHERE r.type = 'follows')
    SELECT id FROM reach WHERE id <> @start AND @depth > 0`,
};

function cteChild(file, start, depth, mode, iters) {
  const db = new Database(file, { readonly: true });
  db.pragma('cache_size = -16000');
  const stmt = db.prepare(CTE[mode]);
  const runs = [];
  let rows = 0;
  const c0 = process.cpuUsage();
  for (let k = 0; k < iters; k++) {
    const s = `user_${probe(k, Number(process.env.HOTBENCH_USERS))}`;
    const t = now();
    rows = stmt.all({ start: s, depth: Number(depth) }).length;
    runs.push(now() - t);
  }
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ avg_ms: runs.reduce((a, b) => a + b, 0) / runs.length,
    cpu_ms: (c.user + c.system) / 1000 / iters, runs_ms: runs, rows }));
}

function runCte(file, users, depth, mode, iters, limitS) {
  const t = now();
  const child = spawnSync(process.execPath, [SELF, '--cte', file, '0', String(depth), mode, String(iters)],
    { timeout: limitS * 1000 * Number(iters), encoding: 'utf8', env: { ...process.env, HOTBENCH_USERS: String(users) } });
  if (child.error || child.status !== 0) {
    if (child.error && child.error.code === 'ETIMEDOUT' || child.signal === 'SIGTERM') {
      return { timed_out: true, limit_s: limitS };
    }
    throw new Error(`CTE child failed: ${child.stderr}`);
  }
  const r = JSON.parse(child.stdout);
  r.wall_ms = now() - t;
  return r;
}

function deepBench(work, users, follows, starts6, limitS, naiveLimitS) {
  const file = path.join(work, `b3_graph_${users}.db`);
  const { db, edges } = buildGraph(file, users, follows);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const res = { users, edges, limit_s: limitS, cte_sql: CTE };
  res.cte3_naive = runCte(file, users, 3, 'naive', 1, naiveLimitS);
  log(`3-hop CTE naive join order: ${res.cte3_naive.timed_out ? '> ' + naiveLimitS + ' s' : res.cte3_naive.avg_ms.toFixed(1) + ' ms'}`);
  res.cte3_depth = runCte(file, users, 3, 'depth', 20, limitS);
  log(`3-hop CTE (id,depth): ${JSON.stringify({ avg: res.cte3_depth.avg_ms, rows: res.cte3_depth.rows })}`);
  res.cte6_depth = runCte(file, users, 6, 'depth', starts6, limitS);
  log(`6-hop CTE (id,depth): ${res.cte6_depth.timed_out ? 'timed out' : res.cte6_depth.avg_ms.toFixed(1) + ' ms, rows ' + res.cte6_depth.rows}`);
  res.cte_closure = runCte(file, users, 6, 'id', starts6, limitS);
  log(`closure CTE (id): ${res.cte_closure.timed_out ? 'timed out' : res.cte_closure.avg_ms.toFixed(1) + ' ms, rows ' + res.cte_closure.rows}`);
  return res;
}

// ---------------------------------------------------------------------------------------------
function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--cte') return cteChild(...args.slice(1));
  if (args[0] === '--dump-rows') {
    const n = Number(args[1]);
    const chunks = [];
    for (let i = 0; i < n; i++) chunks.push(`${rowType(i)}\t${JSON.stringify(rowData(i))}\n`);
    for (let i = 0; i < n; i++) chunks.push(`event\t${JSON.stringify(eventData(i))}\n`);
    process.stdout.write(chunks.join(''));
    return;
  }
  const quick = args.includes('--quick');
  const wi = args.indexOf('--work');
  const work = wi >= 0 ? args[wi + 1] : fs.mkdtempSync('/tmp/hotbench-');
  fs.mkdirSync(work, { recursive: true });
  const sizes = quick ? [1000, 10000] : [1000, 10000, 100000, 1000000];
  const reps = { 1000: 7, 10000: 5, 100000: 3, 1000000: 1 };
  const out = { peer: 'better-sqlite3', version: require('better-sqlite3/package.json').version };
  {
    const db = new Database(':memory:');
    out.sqlite_version = db.prepare('SELECT sqlite_version() v').get().v;
    db.close();
    const f = path.join(work, 'b3_pragmas.db');
    const p = openSeedDb(f);
    out.pragmas = Object.fromEntries(['journal_mode', 'synchronous', 'foreign_keys', 'cache_size', 'page_size', 'auto_vacuum', 'temp_store']
      .map((k) => [k, p.pragma(k, { simple: true })]));
    p.close();
    removeDb(f);
  }
  out.writes = writeBench(work, sizes, reps);
  out.seed_shape = seedShapeStorage(work, quick ? [1000, 10000] : [1000, 10000, 1000000]);
  out.queries = {};
  for (const n of quick ? [10000] : [10000, 1000000]) out.queries[n] = queryBench(work, n);
  out.one_hop = oneHopBench(work, 1000, 10);
  out.deep = quick ? deepBench(work, 10000, 10, 3, 20, 5) : deepBench(work, 100000, 10, 3, 60, 20);
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
}

main();
