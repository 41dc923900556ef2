// The server's Iceberg REST catalog read by independent clients: `thingsdb serve` on a free
// loopback port over a temporary data directory; things are put and flushed over HTTP; then
// iceberg-js (a REST catalog client) lists the namespaces and tables and loads the things
// table, and icebird reads its rows through the returned metadata location: they are the
// things we put. A flushed thing stays readable over HTTP and the flush is one snapshot.
// Needs the `thingsdb` binary: env THINGSDB_BIN (a build dir, default /work/main/build/release).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IcebergRestCatalog, IcebergError } from 'iceberg-js';
import { icebergRead } from 'icebird';
import { installFileFetch } from './file_fetch.mjs';
import { BIN, missingBinary, freePort, waitFor, stop } from './serve_harness.mjs';

const skip = missingBinary;
const TOKEN = 'server-rest-test-token';
const NS = 'rest';

installFileFetch();

let dir, server, base, stderr = '';

async function api(method, route, body) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const things = [
  { id: 'a1', type: 'user', data: { name: 'Ada', age: 36, tags: ['x', 'y'] } },
  { id: 'b2', type: 'user', data: { name: 'Zoë 日本語 🚀' } },
  { id: 'c3', type: 'post', data: { title: 'hello', n: 3 } },
];

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thingsdb-server-rest-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', '--data', path.join(dir, 'data'), '--port', String(port),
    '--token', TOKEN, '--quiet', '--threads', '4'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr.on('data', (chunk) => { stderr += chunk; });
  await waitFor('thingsdb serve', async () => (await fetch(`${base}/healthz`)).ok, 20000, server,
    () => stderr);
});

after(async () => {
  await stop(server);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('iceberg-js finds the flushed table and icebird reads the rows that were put', { skip }, async () => {
  const created = {};
  for (const thing of things) {
    const res = await api('POST', `/v1/namespaces/${NS}/things`, thing);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    created[thing.id] = res.body;
  }
  const rel = await api('POST', `/v1/namespaces/${NS}/relationships`,
    { fromId: 'a1', toId: 'c3', type: 'wrote' });
  assert.equal(rel.status, 201, JSON.stringify(rel.body));

  const flush = await api('POST', `/v1/namespaces/${NS}/flush`, { all: true });
  assert.equal(flush.status, 200, JSON.stringify(flush.body));
  assert.equal(flush.body.things, 3);
  assert.equal(flush.body.relationships, 1);

  // A flushed thing is still served over HTTP (from the cold tier).
  const got = await api('GET', `/v1/namespaces/${NS}/things/a1`);
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.deepEqual(got.body, created.a1);
  const snapshots = await api('GET', `/v1/namespaces/${NS}/snapshots`);
  assert.equal(snapshots.status, 200);
  assert.equal(snapshots.body.items.length, 1);
  assert.equal(snapshots.body.items[0].flushId, flush.body.flushId);

  const catalog = new IcebergRestCatalog({
    baseUrl: `${base}/iceberg`,
    auth: { type: 'bearer', token: TOKEN },
  });
  const config = await catalog.loadConfig();
  assert.deepEqual(config.defaults, {});
  assert.deepEqual(config.overrides, {});
  const { namespaces } = await catalog.listNamespaces();
  assert.deepEqual(namespaces, [{ namespace: [NS] }]);
  const ns = await catalog.loadNamespaceMetadata({ namespace: [NS] });
  assert.deepEqual(ns.properties, {});
  const { identifiers } = await catalog.listTables({ namespace: [NS] });
  assert.deepEqual(identifiers.map((t) => t.name).sort(), ['relationships', 'things']);
  assert.ok(identifiers.every((t) => t.namespace.length === 1 && t.namespace[0] === NS));
  assert.equal(await catalog.tableExists({ namespace: [NS], name: 'things' }), true);
  assert.equal(await catalog.tableExists({ namespace: [NS], name: 'nope' }), false);

  const result = await catalog.loadTableResult({ namespace: [NS], name: 'things' });
  const location = result['metadata-location'];
  const metadata = result.metadata;
  assert.match(location, /^file:\/\/.*\/rest\/things\/metadata\/v\d+\.metadata\.json$/);
  assert.equal(metadata['format-version'], 2);
  assert.ok(metadata['current-snapshot-id'] > 0);
  assert.equal(metadata.snapshots.find((s) => s['snapshot-id'] === metadata['current-snapshot-id'])
    .summary['added-records'], '3');
  // The metadata in the answer is the stored file.
  const stored = JSON.parse(fs.readFileSync(new URL(location), 'utf8'));
  assert.deepEqual(metadata, stored);

  // icebird reads the table through the metadata location the catalog returned.
  const tableUrl = metadata.location;
  assert.ok(location.startsWith(`${tableUrl}/metadata/`), `${location} is under ${tableUrl}`);
  const rows = await icebergRead({ tableUrl, metadataFileName: path.basename(location) });
  const read = rows.map((r) => ({ id: r.id, type: r.type, data: JSON.parse(r.data),
    createdAt: r.created_at.getTime(), updatedAt: r.updated_at.getTime() }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const want = Object.values(created).map((t) => ({ id: t.id, type: t.type, data: t.data,
    createdAt: t.createdAt, updatedAt: t.updatedAt })).sort((a, b) => a.id.localeCompare(b.id));
  assert.deepEqual(read, want);
});

test('catalog errors are Iceberg ErrorModels that iceberg-js understands', { skip }, async () => {
  const catalog = new IcebergRestCatalog({ baseUrl: `${base}/iceberg`, auth: { type: 'bearer', token: TOKEN } });
  await assert.rejects(catalog.loadTable({ namespace: ['ghost'], name: 'things' }), (err) => {
    assert.ok(err instanceof IcebergError);
    assert.equal(err.status, 404);
    assert.equal(err.icebergType, 'NoSuchNamespaceException');
    assert.equal(err.icebergCode, 404);
    return true;
  });
  await assert.rejects(catalog.loadTable({ namespace: [NS], name: 'nope' }), (err) => {
    assert.equal(err.icebergType, 'NoSuchTableException');
    return true;
  });
  const anonymous = new IcebergRestCatalog({ baseUrl: `${base}/iceberg` });
  await assert.rejects(anonymous.listNamespaces(), (err) => {
    assert.equal(err.status, 401);
    assert.equal(err.icebergType, 'NotAuthorizedException');
    return true;
  });
  // Reading never created the absent namespace's tables.
  assert.equal(fs.existsSync(path.join(dir, 'data', 'warehouse', 'ghost')), false);
});
