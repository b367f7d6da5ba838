// The engine proper: one loaded model, its ORT sessions (one per graph variant) and tokenizer, generate and
// inspect. Runs inside the engine worker (engine-worker.ts) in the app and CLI; tests and job workers may
// create one directly (ORT then blocks that thread while it runs, which is fine off the main thread).
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { GenerateOutput, InspectOutput, LoadedModel, MemoryEstimateOut } from '../../../shared/api/engine';
import { GenerateInput, InspectInput } from '../../../shared/api/engine';
import { estimateMemory, resolveModel, type ModelSpec } from '../arch/registry';
import { loadTokenizer, type ModelTokenizer } from '../text/tokenizer';
import { prepareDecoder } from '../decoder/prepare';
import { INFERENCE_VARIANT, variantKey, type DecoderVariant } from '../decoder/graph';
import { emptyCache, generate, type Feed } from '../generate/generate';
import { GREEDY } from '../generate/sampling';
import { DecoderSession } from './session';
import { chooseProvider, listProviders } from './providers';
import type { ActivePatch } from '../../../shared/api/editing';
import { patchFeeds, readPatch } from '../../editing/patches';
import { f32ToF16 } from '../safetensors';
import type { z } from 'zod';

export interface TokenEvent {
  requestId: string;
  row: number;
  token: number;
  /** newly decoded text of this row (may be empty for a partial character) */
  text: string;
}

export interface LoadRequest {
  modelDir: string;
  dataDir: string;
  providerPreference: string[];
  /** explicit provider for this load (else the preference order) */
  provider?: string;
  threads?: number;
}

interface Loaded {
  info: LoadedModel;
  ms: ModelSpec;
  tokenizer: ModelTokenizer | null;
  sessions: Map<string, DecoderSession>;
  dataDir: string;
  threads?: number;
  /** the applied weight patch: every session of this model is opened with its tensors as graph inputs and fed them */
  patch: { info: ActivePatch; feeds: Record<string, Feed> } | null;
}

export interface ApplyPatchRequest {
  modelDir: string;
  /** a patch file (patches.ts format) */
  file: string;
  /** its edit_patches id, when recorded */
  id?: string | null;
}

const dtypeFor = (provider: string): 'float32' | 'float16' => (provider === 'cpu' ? 'float32' : 'float16');

export class EngineCore {
  private loaded: Loaded | null = null;
  constructor(private readonly log: (msg: string) => void = () => {}) {}

  status(): LoadedModel | null {
    return this.loaded?.info ?? null;
  }

  estimate(modelDir: string, provider = 'cpu'): MemoryEstimateOut {
    const ms = resolveModel(modelDir);
    const e = estimateMemory(ms);
    const dtype = dtypeFor(provider);
    const weightsBytes = dtype === 'float32' ? e.weightsF32 : e.weightsF16;
    const total = weightsBytes + e.kvCache;
    return {
      modelDir: ms.dir,
      arch: ms.arch,
      parameters: ms.parameters,
      weightsBytes,
      kvCacheBytes: e.kvCache,
      totalBytes: total,
      context: e.context,
      dtype,
      freeBytes: os.freemem(),
      fits: total < os.freemem() + (this.loaded ? this.loaded.ms.parameters * 4 : 0),
    };
  }

  async load(req: LoadRequest): Promise<LoadedModel> {
    const t0 = performance.now();
    const ms = resolveModel(req.modelDir);
    if (this.loaded?.info.modelDir === ms.dir && (!req.provider || req.provider === this.loaded.info.provider)) return this.loaded.info;
    await this.eject();
    // Memory check before loading: refuse what cannot fit at all, warn about what may not fit now.
    const est = estimateMemory(ms, { context: Math.min(ms.maxContext, 2048) });
    if (est.totalCpu > os.totalmem()) {
      throw new AppError(
        'insufficient_memory',
        `${ms.dir}: needs about ${(est.totalCpu / 2 ** 30).toFixed(1)} GiB (f32 weights + KV cache) but this machine has ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
      );
    }
    if (est.totalCpu > os.freemem()) this.log(`${ms.dir}: needs about ${(est.totalCpu / 2 ** 30).toFixed(1)} GiB, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free now`);
    const providers = listProviders();
    const pref = req.provider ? [req.provider, ...req.providerPreference] : req.providerPreference;
    let { name: provider, reason } = chooseProvider(pref, providers);
    if (req.provider && provider !== req.provider) reason = `${req.provider} is not available here; ${reason}`;
    let session: DecoderSession;
    const variant = (p: string): DecoderVariant => ({ ...INFERENCE_VARIANT, dtype: dtypeFor(p) });
    try {
      session = await DecoderSession.open(prepareDecoder(ms, req.dataDir, variant(provider)), { provider, threads: req.threads });
    } catch (e) {
      if (provider === 'cpu') throw new AppError('load_failed', `${ms.dir}: could not create the ONNX Runtime session: ${(e as Error).message}`);
      const why = `${provider} failed to start (${(e as Error).message.split('\n')[0]}); falling back to cpu`;
      this.log(why);
      reason = why;
      provider = 'cpu';
      session = await DecoderSession.open(prepareDecoder(ms, req.dataDir, variant('cpu')), { provider, threads: req.threads });
    }
    let tokenizer: ModelTokenizer | null = null;
    try {
      tokenizer = loadTokenizer(ms.dir);
    } catch (e) {
      this.log(`no usable tokenizer: ${(e as Error).message}`);
    }
    const info: LoadedModel = {
      modelDir: ms.dir,
      arch: ms.arch,
      provider,
      providerReason: reason,
      dtype: dtypeFor(provider),
      parameters: ms.parameters,
      layers: ms.dims.layers,
      vocab: ms.dims.vocab,
      hasTokenizer: tokenizer !== null,
      hasChatTemplate: tokenizer?.info.hasChatTemplate ?? false,
      loadSeconds: (performance.now() - t0) / 1000,
    };
    this.loaded = { info, ms, tokenizer, sessions: new Map([[variantKey(session.prepared.variant), session]]), dataDir: req.dataDir, threads: req.threads, patch: null };
    return info;
  }

  async eject(): Promise<void> {
    const l = this.loaded;
    this.loaded = null;
    if (l) for (const s of l.sessions.values()) await s.release();
  }

  private need(modelDir: string): Loaded {
    if (!this.loaded) throw new AppError('not_loaded', 'no model is loaded');
    const dir = path.resolve(modelDir);
    if (dir !== this.loaded.info.modelDir) throw new AppError('not_loaded', `${modelDir} is not the loaded model (${this.loaded.info.modelDir})`);
    return this.loaded;
  }

  /** The session of a variant; while a patch is applied, the variant takes the patched tensors as inputs (fed the
   *  patch), so every graph this model runs sees the patch. */
  private async sessionFor(l: Loaded, v: Omit<DecoderVariant, 'dtype' | 'editable'>): Promise<DecoderSession> {
    const editable = l.patch ? Object.keys(l.patch.feeds).sort() : [];
    const variant: DecoderVariant = { ...v, editable, dtype: l.info.dtype };
    const key = variantKey(variant);
    let s = l.sessions.get(key);
    if (!s) {
      s = await DecoderSession.open(prepareDecoder(l.ms, l.dataDir, variant), { provider: l.info.provider, threads: l.threads });
      l.sessions.set(key, s);
    }
    if (l.patch) for (const [name, feed] of Object.entries(l.patch.feeds)) s.setWeight(name, feed);
    return s;
  }

  /** Releases the sessions whose editable tensors are not `keep` (bounds memory to one copy of the weights per variant). */
  private async releaseOthers(l: Loaded, keep: string[]): Promise<void> {
    const want = [...keep].sort().join('|');
    for (const [key, s] of [...l.sessions]) {
      if ([...s.prepared.variant.editable].sort().join('|') === want) continue;
      l.sessions.delete(key);
      await s.release();
    }
  }

  activePatch(): ActivePatch | null {
    return this.loaded?.patch?.info ?? null;
  }

  /**
   * Applies a weight patch to the loaded model without reloading it: the generation graph is rebuilt (once per tensor
   * set, cached next to the prepared weights) with the patched tensors as inputs and fed the patch; the prepared
   * weights are reused. A patch over the same tensors as the applied one only swaps the fed values.
   */
  applyPatch(req: ApplyPatchRequest): Promise<ActivePatch> {
    return this.patchOp(() => this.applyPatchNow(req));
  }

  /** Back to the base weights: the patched sessions are released and the base generation session reopened. */
  clearPatch(): Promise<void> {
    return this.patchOp(() => this.clearPatchNow());
  }

  // Patch operations swap sessions, so they wait for the runs in flight (the worker answers messages concurrently),
  // and runs that arrive meanwhile wait for them.
  private runs = new Set<Promise<unknown>>();
  private patching: Promise<unknown> = Promise.resolve();
  private patchOp<T>(fn: () => Promise<T>): Promise<T> {
    const op = this.patching.then(async () => {
      await Promise.allSettled([...this.runs]);
      return fn();
    });
    this.patching = op.catch(() => undefined);
    return op;
  }
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.patching;
    const p = fn();
    this.runs.add(p);
    try {
      return await p;
    } finally {
      this.runs.delete(p);
    }
  }

  private async applyPatchNow(req: ApplyPatchRequest): Promise<ActivePatch> {
    const t0 = performance.now();
    const l = this.need(req.modelDir);
    const p = readPatch(req.file);
    const f32 = patchFeeds(l.ms, p); // checks the base content hash and every tensor's shape
    const feeds: Record<string, Feed> = {};
    for (const [name, f] of Object.entries(f32)) {
      const data = f.data as Float32Array; // [checkpoint layout of the tensor]
      feeds[name] = l.info.dtype === 'float16' ? { dtype: 'float16', dims: f.dims, data: f32ToF16(data, undefined, true) } : f;
    }
    const names = Object.keys(feeds).sort();
    const prev = l.patch;
    const info: ActivePatch = {
      id: req.id ?? null,
      file: p.file,
      modelDir: l.info.modelDir,
      method: p.meta.method,
      mode: p.meta.mode,
      caseId: p.meta.caseId ?? null,
      toxicLayer: p.meta.toxicLayer ?? null,
      params: names,
      applySeconds: 0,
    };
    l.patch = { info, feeds };
    try {
      await this.releaseOthers(l, names);
      await this.sessionFor(l, { hiddenStates: false, allLogits: false, inference: true });
    } catch (e) {
      l.patch = prev;
      throw new AppError('patch_failed', `${p.file}: could not build the patched generation session: ${(e as Error).message}`);
    }
    info.applySeconds = (performance.now() - t0) / 1000;
    return info;
  }

  private async clearPatchNow(): Promise<void> {
    const l = this.loaded;
    if (!l?.patch) return;
    l.patch = null;
    await this.releaseOthers(l, []);
    await this.sessionFor(l, { hiddenStates: false, allLogits: false, inference: true });
  }

  private tokenize(l: Loaded, p: { text: string } | { ids: number[] }, chat: boolean, where: string): number[] {
    if ('ids' in p) {
      for (const t of p.ids) if (t >= l.info.vocab) throw new AppError('invalid_input', `${where}: token id ${t} is outside the vocabulary (0..${l.info.vocab - 1})`);
      return p.ids;
    }
    if (!l.tokenizer) throw new AppError('no_tokenizer', `${l.info.modelDir}: has no usable tokenizer.json; pass token ids instead`);
    const ids = chat ? l.tokenizer.encodeChat([{ role: 'user', content: p.text }]) : l.tokenizer.encode(p.text);
    if (ids.length === 0) throw new AppError('invalid_input', `${where}: the text encodes to no tokens`);
    return ids;
  }

  generate(raw: z.input<typeof GenerateInput>, onToken?: (e: TokenEvent) => void, signal?: AbortSignal): Promise<GenerateOutput> {
    return this.run(() => this.generateNow(raw, onToken, signal));
  }

  private async generateNow(raw: z.input<typeof GenerateInput>, onToken?: (e: TokenEvent) => void, signal?: AbortSignal): Promise<GenerateOutput> {
    const input = GenerateInput.parse(raw);
    const l = this.need(input.modelDir);
    const prompts = input.prompts.map((p, i) => this.tokenize(l, p, input.chat, `prompt ${i + 1}`));
    const maxCtx = l.ms.maxContext;
    for (const [i, p] of prompts.entries()) {
      if (p.length + input.maxNewTokens > maxCtx) {
        throw new AppError('invalid_input', `prompt ${i + 1}: ${p.length} tokens + ${input.maxNewTokens} new exceed the model's context of ${maxCtx}`);
      }
    }
    const session = await this.sessionFor(l, { hiddenStates: false, allLogits: false, inference: true });
    const tok = l.tokenizer;
    const decode = (ids: number[]) => (tok ? tok.decode(ids, { skipSpecialTokens: true }) : '');
    const shown = prompts.map(() => '');
    const sampling = input.sampling
      ? { doSample: input.sampling.temperature > 0, ...input.sampling, repetitionPenalty: input.repetitionPenalty }
      : { ...GREEDY, repetitionPenalty: input.repetitionPenalty };
    const newIdsSoFar: number[][] = prompts.map(() => []);
    const eos = l.ms.eosTokenIds.length ? l.ms.eosTokenIds : tok?.info.eosId != null ? [tok.info.eosId] : [];
    const r = await generate(session, prompts, {
      maxNewTokens: input.maxNewTokens,
      sampling,
      eosTokenIds: eos,
      padTokenId: l.ms.padTokenId ?? tok?.info.padId ?? eos[0] ?? 0,
      signal,
      shouldStop: input.stop.length && tok ? (row, ids) => input.stop.some((s) => decode(ids).includes(s)) : undefined,
      onToken: (row, token) => {
        newIdsSoFar[row].push(token);
        if (!onToken) return;
        const text = decode(newIdsSoFar[row]);
        const piece = text.startsWith(shown[row]) ? text.slice(shown[row].length) : text;
        shown[row] = text;
        onToken({ requestId: input.requestId ?? '', row, token, text: piece });
      },
    });
    return {
      results: r.ids.map((ids, i) => ({ ids, new_ids: r.newIds[i], text: decode(r.newIds[i]) })),
      provider: l.info.provider,
      timing: r.timing,
    };
  }

  inspect(raw: z.input<typeof InspectInput>): Promise<InspectOutput> {
    return this.run(() => this.inspectNow(raw));
  }

  private async inspectNow(raw: z.input<typeof InspectInput>): Promise<InspectOutput> {
    const input = InspectInput.parse(raw);
    const l = this.need(input.modelDir);
    const ids = this.tokenize(l, input.prompt, input.chat, 'prompt');
    if (ids.length > l.ms.maxContext) throw new AppError('invalid_input', `prompt: ${ids.length} tokens exceed the model's context of ${l.ms.maxContext}`);
    const s = await this.sessionFor(l, { hiddenStates: true, allLogits: true, inference: true });
    const S = ids.length;
    const feeds: Record<string, Feed> = {
      input_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map(BigInt)) },
      attention_mask: { dtype: 'int64', dims: [1, S], data: new BigInt64Array(S).fill(1n) },
      position_ids: { dtype: 'int64', dims: [1, S], data: BigInt64Array.from(ids.map((_, i) => BigInt(i))) },
      ...emptyCache(s, 1),
    };
    const out = await s.run(feeds);
    const V = l.info.vocab;
    const H = s.hidden;
    const logits = out.logits.data as Float32Array; // [1, seq, vocab]
    const hidden_last: number[][] = [];
    for (let j = 0; j <= l.info.layers; j++) {
      const h = out[`hidden.${j}`].data as Float32Array; // [1, seq, hidden]
      hidden_last.push(Array.from(h.subarray((S - 1) * H, S * H)));
    }
    const res: InspectOutput = { ids, last_logits: Array.from(logits.subarray((S - 1) * V, S * V)), hidden_last };
    if (input.allLogits) res.logits = Array.from({ length: S }, (_, p) => Array.from(logits.subarray(p * V, (p + 1) * V)));
    return res;
  }
}
