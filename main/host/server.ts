import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppContext } from '../context';
import { dispatch } from '../api/index';
import { AppError } from '../../shared/errors';

export interface HostOptions {
  host?: string;
  port?: number;
  /** Required to bind anything but a loopback address. */
  allowRemote?: boolean;
  /** Folder with the built renderer (index.html). */
  rendererDir?: string;
  /** Fixed token (tests); default: 32 random bytes. */
  token?: string;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const MAX_BODY = 256 * 1024 * 1024;

/** Same policy the Electron window uses (see main/electron/main.ts). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function defaultRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const c of [path.resolve(here, '../renderer'), path.resolve(here, '../../out/renderer')]) {
    if (fs.existsSync(path.join(c, 'index.html'))) return c;
  }
  return path.resolve(here, '../../out/renderer');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function tokenFrom(req: http.IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = url.searchParams.get('token');
  if (q) return q;
  const cookie = req.headers.cookie ?? '';
  const m = /(?:^|;\s*)safeedit_token=([^;]+)/.exec(cookie);
  return m ? decodeURIComponent(m[1]) : null;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(s);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new AppError('too_large', `request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The headless host: the same handlers as the Electron IPC, over HTTP (POST /api/call/NAME) and a WebSocket
 * event stream (/api/events), plus the built renderer. Every request needs the per-start token.
 */
export async function startHost(ctx: AppContext, options: HostOptions = {}): Promise<RunningHost> {
  const bind = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(bind) && !options.allowRemote) {
    throw new AppError(
      'remote_bind_refused',
      `refusing to bind ${bind}: the host serves your models and files to anyone with the token. Use --allow-remote to bind a non-loopback address, or keep 127.0.0.1 and use an SSH tunnel.`,
    );
  }
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const uploadsDir = path.join(ctx.dataDir, 'uploads');
  let port = options.port ?? 0;

  const allowedHost = (h: string | undefined) => {
    if (!h) return false;
    if (options.allowRemote) return true;
    // DNS-rebinding guard: only loopback names reach the API.
    const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0];
    return ['127.0.0.1', 'localhost', '[::1]'].includes(name);
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      if (!allowedHost(req.headers.host)) return sendJson(res, 403, { ok: false, error: { code: 'bad_host', message: 'host header not allowed' } });
      const given = tokenFrom(req, url);
      if (!given || !safeEqual(given, token)) {
        return sendJson(res, 401, { ok: false, error: { code: 'unauthorized', message: 'missing or wrong token: open the URL the host printed' } });
      }
      const cookie = `safeedit_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
      if (url.pathname === '/api/health' && req.method === 'GET') return sendJson(res, 200, { ok: true });
      if (url.pathname.startsWith('/api/call/') && req.method === 'POST') {
        const name = decodeURIComponent(url.pathname.slice('/api/call/'.length));
        const body = await readBody(req, 64 * 1024 * 1024);
        let input: unknown = {};
        if (body.length) {
          try {
            input = JSON.parse(body.toString('utf8'));
          } catch {
            return sendJson(res, 400, { ok: false, error: { code: 'bad_json', message: 'request body is not JSON' } });
          }
        }
        const env = await dispatch(ctx, name, input);
        return sendJson(res, env.ok ? 200 : env.error.code === 'unknown_request' ? 404 : 200, env);
      }
      if (url.pathname === '/api/upload' && req.method === 'POST') {
        // Raw file upload (headless mode has no native picker): stored under the data dir, path returned.
        const rawName = url.searchParams.get('name') ?? 'upload.bin';
        const name = path.basename(rawName).replace(/[^\w.\-]+/g, '_').slice(0, 120) || 'upload.bin';
        fs.mkdirSync(uploadsDir, { recursive: true });
        const dest = path.join(uploadsDir, `${Date.now()}-${crypto.randomBytes(4).toString('hex')}-${name}`);
        const body = await readBody(req, MAX_BODY);
        fs.writeFileSync(dest, body);
        return sendJson(res, 200, { ok: true, result: { path: dest, name, size: body.length } });
      }
      if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { ok: false, error: { code: 'not_found', message: 'no such endpoint' } });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { ok: false, error: { code: 'method', message: 'method not allowed' } });
      // Static renderer files; anything unknown falls back to index.html (client-side routes).
      const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
      let file = path.join(rendererDir, rel);
      if (!file.startsWith(rendererDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(rendererDir, 'index.html');
      if (!fs.existsSync(file)) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return res.end('renderer not built: run "npm run build"');
      }
      const ext = path.extname(file);
      res.writeHead(200, {
        'content-type': MIME[ext] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'cache-control': ext === '.html' ? 'no-store' : 'max-age=3600',
        'set-cookie': cookie,
      });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: (e as AppError).code ?? 'internal', message: (e as Error).message } });
      else res.destroy();
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = tokenFrom(req, url);
    if (url.pathname !== '/api/events' || !allowedHost(req.headers.host) || !given || !safeEqual(given, token)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
    });
  });
  const unsubscribe = ctx.events.subscribe((e) => {
    const s = JSON.stringify(e);
    for (const c of clients) if (c.readyState === c.OPEN) c.send(s);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const shownHost = bind.includes(':') ? `[${bind}]` : bind === 'localhost' ? '127.0.0.1' : bind;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
