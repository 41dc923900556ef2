// icebird loads everything through fetch, and node's fetch refuses file:// URLs: this shim
// serves file:// URLs from disk (GET, HEAD and byte ranges) and passes others through.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export function installFileFetch() {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init = {}) => {
    const href = typeof url === 'string' ? url : url.href ?? String(url);
    if (!href.startsWith('file:')) return realFetch(url, init);
    const file = fileURLToPath(href);
    if (!fs.existsSync(file)) return new Response('not found', { status: 404, statusText: 'Not Found' });
    let body = fs.readFileSync(file);
    const headers = new Headers(init.headers || {});
    const range = headers.get('range');
    if (range) {
      const m = /bytes=(\d*)-(\d*)/.exec(range);
      const start = m[1] === '' ? body.length - Number(m[2]) : Number(m[1]);
      const end = m[1] === '' || m[2] === '' ? body.length - 1 : Math.min(Number(m[2]), body.length - 1);
      body = body.subarray(start, end + 1);
      return new Response(body, { status: 206, headers: { 'content-length': String(body.length) } });
    }
    if (init.method === 'HEAD') {
      return new Response(null, { status: 200, headers: { 'content-length': String(body.length) } });
    }
    return new Response(body, { status: 200, headers: { 'content-length': String(body.length) } });
  };
}
