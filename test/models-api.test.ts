// The models domain through the same requests the UI and CLI use: registry table, validation errors, tokenize.
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempContext, tempDir } from './helpers';
import { goldenModelDir, loadGolden, tinyModel } from './models';
import { call } from '../main/cli/call';
import { runCli } from '../main/cli/index';
import { currentModelLoader, setModelLoader } from '../main/engine/models/loader';
import { createContext, type AppContext } from '../main/context';
import { setModelState } from '../main/engine/models/registry';

let ctx: AppContext;
beforeAll(async () => {
  ctx = await tempContext();
});
afterAll(async () => {
  await ctx.close();
});

async function errOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('models requests', () => {
  it('add → list → get → remove, with architecture, size, dtype, memory estimate and state', async () => {
    const dir = goldenModelDir('qwen2');
    const m = await call(ctx, 'models.add', { path: dir });
    expect(m).toMatchObject({ arch: 'qwen2', hfArchitecture: 'Qwen2ForCausalLM', dtype: 'F32', state: 'registered', exists: true, name: 'qwen2', error: null });
    expect(m.fileBytes).toBe(fs.statSync(path.join(dir, 'model.safetensors')).size);
    expect(m.memory.weightsF32).toBe(m.parameters * 4);
    expect(m.memory.kvCache).toBe(2 * 2 * 2 * 8 * 128 * 4);
    expect(m.tokenizer).toMatchObject({ eosToken: '<|im_end|>', hasChatTemplate: true });
    expect(m.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const again = await call(ctx, 'models.add', { path: dir, name: 'renamed' });
    expect(again.id).toBe(m.id);
    expect(again.name).toBe('renamed');
    expect(again.contentHash).toBe(m.contentHash);
    const list = await call(ctx, 'models.list', {});
    expect(list.map((x) => x.id)).toContain(m.id);
    expect((await call(ctx, 'models.get', { id: m.id })).path).toBe(dir);
    expect(await call(ctx, 'models.remove', { id: m.id })).toEqual({ removed: true });
    expect((await errOf(call(ctx, 'models.get', { id: m.id }))).code).toBe('not_found');
  });

  it('the content hash changes when the folder changes; a missing folder is reported', async () => {
    const dir = tinyModel('gpt2');
    const a = await call(ctx, 'models.add', { path: dir });
    const cfg = path.join(dir, 'config.json');
    fs.writeFileSync(cfg, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfg, 'utf8')), layer_norm_epsilon: 1e-6 }));
    const b = await call(ctx, 'models.add', { path: dir });
    expect(b.contentHash).not.toBe(a.contentHash);
    fs.rmSync(dir, { recursive: true });
    expect((await call(ctx, 'models.get', { id: a.id })).exists).toBe(false);
  });

  it('rejects broken folders with the reason, and registers nothing', async () => {
    const before = (await call(ctx, 'models.list', {})).length;
    const noTok = tinyModel('llama');
    fs.rmSync(path.join(noTok, 'tokenizer.json'));
    expect((await errOf(call(ctx, 'models.add', { path: noTok }))).message).toMatch(/tokenizer\.json: missing/);
    const arch = tinyModel('llama');
    const cfg = path.join(arch, 'config.json');
    fs.writeFileSync(cfg, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfg, 'utf8')), architectures: ['MambaForCausalLM'] }));
    const e = await errOf(call(ctx, 'models.add', { path: arch }));
    expect(e.code).toBe('unsupported_architecture');
    expect(e.message).toMatch(/MambaForCausalLM .*supported: llama/);
    const badSt = tinyModel('mistral');
    const st = path.join(badSt, 'model.safetensors');
    const buf = fs.readFileSync(st);
    buf.writeBigUInt64LE(BigInt(buf.length) * 2n, 0);
    fs.writeFileSync(st, buf);
    expect((await errOf(call(ctx, 'models.add', { path: badSt }))).message).toMatch(/model\.safetensors: header length \d+ is larger than the file/);
    const small = tinyModel('gpt2');
    const c2 = path.join(small, 'config.json');
    fs.writeFileSync(c2, JSON.stringify({ ...JSON.parse(fs.readFileSync(c2, 'utf8')), vocab_size: 100 }));
    expect((await errOf(call(ctx, 'models.add', { path: small }))).message).toMatch(/has shape \[312, 32\] but config\.json implies \[100, 32\]/);
    expect((await errOf(call(ctx, 'models.add', { path: 'relative/dir' }))).code).toBe('invalid_input');
    expect((await errOf(call(ctx, 'models.add', { path: '/no/such/folder' }))).message).toMatch(/not a folder/);
    expect((await call(ctx, 'models.list', {})).length).toBe(before);
  });

  it('tokenize by folder or id, plain and chat, matching the goldens', async () => {
    const dir = goldenModelDir('llama');
    const g = loadGolden('llama');
    const r = await call(ctx, 'models.tokenize', { model: dir, text: g.tokenizer[0].text });
    expect(r.ids).toEqual(g.tokenizer[0].ids);
    expect(r.tokens.length).toBe(r.ids.length);
    const m = await call(ctx, 'models.add', { path: dir });
    const chat = g.chat.find((c) => c.messages.length === 1 && c.addGenerationPrompt)!;
    const rc = await call(ctx, 'models.tokenize', { model: m.id, text: chat.messages[0].content, chat: true });
    expect(rc.text).toBe(chat.text);
    expect(rc.ids).toEqual(chat.ids);
    expect((await errOf(call(ctx, 'models.tokenize', { model: 'nope', text: 'x' }))).code).toBe('not_found');
  });

  it('load/eject without a runtime say so; with one they keep the state', async () => {
    const m = await call(ctx, 'models.add', { path: goldenModelDir('mistral') });
    const runtime = currentModelLoader();
    setModelLoader(null);
    const e = await errOf(call(ctx, 'models.load', { id: m.id }));
    expect(e.code).toBe('not_available');
    const calls: string[] = [];
    setModelLoader({
      async load(_c, dir) {
        calls.push(`load ${dir}`);
        if (dir.includes('fail')) throw new Error('boom');
      },
      async eject(_c, dir) {
        calls.push(`eject ${dir}`);
      },
    });
    try {
      expect((await call(ctx, 'models.load', { id: m.id })).state).toBe('ready');
      expect((await call(ctx, 'models.eject', { id: m.id })).state).toBe('registered');
      expect(calls).toEqual([`load ${m.path}`, `eject ${m.path}`]);
      const failing = tinyModel('gpt2');
      const dir2 = path.join(path.dirname(failing), 'fail-model');
      fs.renameSync(failing, dir2);
      const f = await call(ctx, 'models.add', { path: dir2 });
      expect((await errOf(call(ctx, 'models.load', { id: f.id }))).message).toBe('boom');
      expect(await call(ctx, 'models.get', { id: f.id })).toMatchObject({ state: 'error', error: 'boom' });
    } finally {
      setModelLoader(runtime);
    }
  });
});

describe('load state across restarts', () => {
  it('a UI process resets stale ready/loading states; a CLI process leaves them', async () => {
    const dataDir = tempDir('safeedit-models-restart-');
    const a = await createContext({ dataDir, transport: 'cli' });
    const m = await call(a, 'models.add', { path: goldenModelDir('gpt2') });
    setModelState(a.db, m.id, 'ready');
    await a.close();
    const cli = await createContext({ dataDir, transport: 'cli' });
    expect((await call(cli, 'models.get', { id: m.id })).state).toBe('ready');
    await cli.close();
    const host = await createContext({ dataDir, transport: 'http' });
    expect((await call(host, 'models.get', { id: m.id })).state).toBe('registered');
    await host.close();
  });
});

describe('models CLI', () => {
  let dataDir: string;
  const saved = process.env.SAFEEDIT_DATA_DIR;
  beforeEach(() => {
    dataDir = tempDir('safeedit-models-cli-');
    process.env.SAFEEDIT_DATA_DIR = dataDir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SAFEEDIT_DATA_DIR;
    else process.env.SAFEEDIT_DATA_DIR = saved;
  });
  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('model add / list --json / tokenize --json / remove', async () => {
    const dir = goldenModelDir('gpt2');
    const add = await cli('model', 'add', dir);
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/^registered m_[0-9a-f]+: gpt2 \(GPT2LMHeadModel\)/);
    const list = await cli('model', 'list', '--json');
    const parsed = JSON.parse(list.out);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ path: dir, arch: 'gpt2', dtype: 'F32', state: 'registered' });
    const plain = await cli('model', 'list');
    expect(plain.out).toMatch(/gpt2\s+F32/);
    const g = loadGolden('gpt2');
    const tok = await cli('tokenize', '--model', dir, '--text', g.tokenizer[1].text, '--json');
    expect(tok.code).toBe(0);
    expect(JSON.parse(tok.out)).toEqual({ ids: g.tokenizer[1].ids });
    const q = loadGolden('qwen2');
    const chat = q.chat.find((c) => c.messages.length === 1 && c.addGenerationPrompt)!;
    const tc = await cli('tokenize', '--model', goldenModelDir('qwen2'), '--text', chat.messages[0].content, '--chat', '--json');
    expect(JSON.parse(tc.out)).toEqual({ ids: chat.ids });
    const rm = await cli('model', 'remove', parsed[0].id);
    expect(rm.code).toBe(0);
    expect(JSON.parse((await cli('model', 'list', '--json')).out)).toEqual([]);
  });

  it('rejections exit non-zero with the reason on stderr', async () => {
    const dir = tinyModel('llama');
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    const r = await cli('model', 'add', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: .*tokenizer\.json: missing/);
    expect((await cli('model', 'add')).code).toBe(2);
    expect((await cli('tokenize', '--model', dir)).code).toBe(2);
  });
});
