// The renderer's one API client: window.safeedit (Electron preload) or the headless host over HTTP/WebSocket.
import type { Envelope, Input, Output, RequestName, SafeEditBridge } from '../../shared/contract';
import type { AppEvent } from '../../shared/events';

declare global {
  interface Window {
    safeedit?: SafeEditBridge;
  }
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function readToken(): string {
  const q = new URLSearchParams(window.location.search).get('token');
  if (q) {
    sessionStorage.setItem('safeedit_token', q);
    return q;
  }
  return sessionStorage.getItem('safeedit_token') ?? '';
}

function httpBridge(): SafeEditBridge & { upload(file: File): Promise<{ path: string; name: string; size: number }> } {
  const token = readToken();
  const headers = { authorization: `Bearer ${token}` };
  const listeners = new Set<(e: AppEvent) => void>();
  let ws: WebSocket | null = null;
  let retry = 500;
  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(`${proto}//${location.host}/api/events?token=${encodeURIComponent(token)}`);
    ws.onopen = () => {
      retry = 500;
    };
    ws.onmessage = (m) => {
      try {
        const e = JSON.parse(String(m.data)) as AppEvent;
        for (const l of listeners) l(e);
      } catch {
        /* ignore */
      }
    };
    ws.onclose = () => {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  };
  connect();
  return {
    transport: 'http',
    async invoke(name, input) {
      const res = await fetch(`/api/call/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      const env = (await res.json()) as Envelope<never>;
      if (env.ok) return env.result;
      throw new ApiError(env.error.code, env.error.message, env.error.details);
    },
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async upload(file: File) {
      const res = await fetch(`/api/upload?name=${encodeURIComponent(file.name)}`, { method: 'POST', headers, body: file });
      const env = (await res.json()) as Envelope<{ path: string; name: string; size: number }>;
      if (env.ok) return env.result;
      throw new ApiError(env.error.code, env.error.message);
    },
  };
}

const bridge: SafeEditBridge & { upload?: (file: File) => Promise<{ path: string; name: string; size: number }> } =
  window.safeedit ?? httpBridge();

export const api = {
  transport: bridge.transport,
  pickers: bridge.pickers,
  async call<N extends RequestName>(name: N, input: Input<N>): Promise<Output<N>> {
    try {
      return await bridge.invoke(name, input);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      const x = e as { code?: string; message?: string; details?: unknown };
      throw new ApiError(x.code ?? 'internal', x.message ?? String(e), x.details);
    }
  },
  onEvent: (l: (e: AppEvent) => void) => bridge.onEvent(l),
  /** Headless mode: send a local file to the host; returns its path there. Electron mode uses pickers. */
  upload: bridge.upload,
};
