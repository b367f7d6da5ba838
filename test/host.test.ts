import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import WebSocket from 'ws';
import { startHost, type RunningHost } from '../main/host/server';
import { tempContext } from './helpers';
import type { AppContext } from '../main/context';

let ctx: AppContext;
let host: RunningHost;
let base: string;

function raw(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: s, headers: res.headers }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

beforeAll(async () => {
  ctx = await tempContext('http');
  host = await startHost(ctx, { port: 0 });
  base = `http://127.0.0.1:${host.port}`;
});
afterAll(async () => {
  await host.close();
  await ctx.close();
});

describe('headless host', () => {
  it('prints a loopback URL with the token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{40,}$`));
  });

  it('GET /api/health answers {"ok":true} with the token and 401 without or with a wrong one', async () => {
    expect((await raw('/api/health')).status).toBe(401);
    expect((await raw('/api/health?token=wrong')).status).toBe(401);
    expect((await raw('/api/health', { authorization: 'Bearer nope' })).status).toBe(401);
    const ok = await raw(`/api/health?token=${host.token}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true });
    const hdr = await raw('/api/health', { authorization: `Bearer ${host.token}` });
    expect(hdr.status).toBe(200);
  });

  it('refuses the static UI and API calls without the token', async () => {
    expect((await raw('/')).status).toBe(401);
    expect((await raw('/api/call/system.info', {}, 'POST', '{}')).status).toBe(401);
  });

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    const r = await raw(`/api/health?token=${host.token}`, { host: 'evil.example:80' });
    expect(r.status).toBe(403);
  });

  it('serves the same handlers: a call, validation errors and unknown requests', async () => {
    const auth = { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' };
    const info = await raw('/api/call/system.info', auth, 'POST', '{}');
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body).result.transport).toBe('http');
    const bad = JSON.parse((await raw('/api/call/jobs.get', auth, 'POST', '{"id":1}')).body);
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('invalid_input');
    expect((await raw('/api/call/nope', auth, 'POST', '{}')).status).toBe(404);
    expect(JSON.parse((await raw('/api/call/system.info', auth, 'POST', '{not json')).body).error.code).toBe('bad_json');
  });

  it('streams events over the WebSocket only with the token', async () => {
    const denied = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`);
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('error'));
    });
    expect(denied).toBe('error');
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=${host.token}`);
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<unknown>((resolve) => ws.on('message', (m) => resolve(JSON.parse(String(m)))));
    const job = ctx.jobs.start('system.diagnostics', { steps: 2, stepMs: 5 }, 'ws');
    const e = (await got) as { type: string; job: { id: string } };
    expect(e.type).toBe('job');
    expect(e.job.id).toBe(job.id);
    await ctx.jobs.wait(job.id);
    ws.close();
  });

  it('refuses a non-loopback bind without --allow-remote', async () => {
    await expect(startHost(ctx, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/allow-remote/);
  });

  it('uploads a file into the data dir', async () => {
    const r = await raw(`/api/upload?name=${encodeURIComponent('../../etc/x.json')}`, { authorization: `Bearer ${host.token}` }, 'POST', '[1,2]');
    const env = JSON.parse(r.body);
    expect(env.ok).toBe(true);
    expect(env.result.path.startsWith(ctx.dataDir)).toBe(true);
    expect(env.result.size).toBe(5);
  });
});
