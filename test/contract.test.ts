import { describe, it, expect, afterAll } from 'vitest';
import { contract, requestNames } from '../shared/contract';
import { handlers, dispatch } from '../main/api/index';
import { tempContext } from './helpers';
import type { AppContext } from '../main/context';

describe('API contract', () => {
  it('every contract entry has a handler and every handler is in the contract', () => {
    const h = Object.keys(handlers).sort();
    expect(h).toEqual([...requestNames].sort());
    for (const n of requestNames) expect(typeof (handlers as Record<string, unknown>)[n]).toBe('function');
  });

  it('every entry has a zod input schema', () => {
    for (const n of requestNames) expect(typeof contract[n].input.safeParse).toBe('function');
  });

  let ctx: AppContext;
  afterAll(async () => ctx?.close());

  it('dispatch validates input and reports unknown requests without throwing', async () => {
    ctx = await tempContext();
    const bad = await dispatch(ctx, 'jobs.get', { id: 42 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid_input');
      expect(bad.error.message).toContain('id');
    }
    const extra = await dispatch(ctx, 'settings.set', { theme: 'dark', nope: 1 });
    expect(extra.ok).toBe(false);
    const unknown = await dispatch(ctx, 'no.such', {});
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.code).toBe('unknown_request');
    const proto = await dispatch(ctx, '__proto__', {});
    expect(proto.ok).toBe(false);
    const missing = await dispatch(ctx, 'jobs.get', { id: 'nope' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.code).toBe('not_found');
  });

  it('system.info reports data dir, SQLite version and execution providers', async () => {
    const r = await dispatch(ctx, 'system.info', {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const info = r.result as { dataDir: string; sqliteVersion: string; executionProviders: { name: string }[]; activeProvider: string };
    expect(info.dataDir).toBe(ctx.dataDir);
    expect(info.sqliteVersion).toMatch(/^3\.\d+/);
    expect(info.executionProviders.map((p) => p.name)).toContain('cpu');
    expect(info.activeProvider).toBe('cpu');
  });

  it('settings round-trip and reject bad values', async () => {
    const s = await dispatch(ctx, 'settings.set', { theme: 'light', blurUnsafe: false });
    expect(s.ok && (s.result as { theme: string }).theme).toBe('light');
    const g = await dispatch(ctx, 'settings.get', {});
    expect(g.ok && (g.result as { blurUnsafe: boolean }).blurUnsafe).toBe(false);
    const bad = await dispatch(ctx, 'settings.set', { theme: 'purple' });
    expect(bad.ok).toBe(false);
  });
});
