// One ONNX Runtime session over a prepared decoder graph. Lives wherever it is created (the engine worker,
// a job worker, a test): ORT's run() blocks its thread, so the app never creates one on the main thread.
import { createRequire } from 'node:module';
import type * as OrtTypes from 'onnxruntime-node';
import type { DecoderRunner, Feed } from '../generate/generate';
import { readPreparedWeight, type PreparedGraph } from '../decoder/prepare';

const require = createRequire(import.meta.url);
let ortMod: typeof OrtTypes | null = null;
export function ort(): typeof OrtTypes {
  ortMod ??= require('onnxruntime-node') as typeof OrtTypes;
  return ortMod;
}

/** ORT execution-provider names for our provider ids. */
const EP_NAME: Record<string, string> = { cpu: 'cpu', cuda: 'cuda', dml: 'dml', coreml: 'coreml', webgpu: 'webgpu', tensorrt: 'tensorrt' };

export interface SessionOpenOptions {
  provider: string;
  /** intra-op threads for the CPU provider (default: ORT's choice, one per physical core) */
  threads?: number;
  /** let ORT's intra-op threads busy-wait between kernels (default false). Spinning helps only on an idle
   *  machine: with other processes on the same cores (tests, job workers, the UI) spinning threads burn the time
   *  slices the GEMV threads need, and decode measured 1.5–2× slower at a load average of ~6 on 2 cores
   *  (docs/benchmarks.md "Generation"). */
  spinning?: boolean;
  /** ORT profiling: per-kernel timings written to `<profile>_<date>.json` when the session ends profiling
   *  (`endProfiling()`); for benchmarks (scripts/bench/generate.ts --profile) */
  profile?: string;
}

export class DecoderSession implements DecoderRunner {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
  readonly hidden: number;
  readonly cacheDtype: 'float32' | 'float16';
  /** per-run feeds of editable weights (defaults: the prepared weights) */
  private overrides = new Map<string, Feed>();

  private constructor(
    readonly prepared: PreparedGraph,
    private readonly session: OrtTypes.InferenceSession,
    readonly provider: string,
  ) {
    const s = prepared.spec;
    this.layers = s.layers;
    this.kvHeads = s.kvHeads;
    this.headDim = s.headDim;
    this.vocab = s.vocab;
    this.hidden = s.hidden;
    this.cacheDtype = prepared.variant.dtype;
    for (const name of prepared.variant.editable) {
      const data = readPreparedWeight(prepared.dir, prepared.manifest, name);
      const dims = prepared.manifest.tensors[name].dims;
      this.overrides.set(name, data instanceof Float32Array ? { dtype: 'float32', dims, data } : { dtype: 'float16', dims, data });
    }
  }

  static async open(prepared: PreparedGraph, o: SessionOpenOptions): Promise<DecoderSession> {
    const ep = EP_NAME[o.provider];
    if (!ep) throw new Error(`unknown execution provider '${o.provider}'`);
    const session = await ort().InferenceSession.create(prepared.modelPath, {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
      interOpNumThreads: 1, // the graph runs sequentially; no second pool
      enableCpuMemArena: true,
      extra: { session: { intra_op: { allow_spinning: o.spinning ? '1' : '0' }, inter_op: { allow_spinning: '0' } } },
      ...(o.profile ? { enableProfiling: true, profileFilePrefix: o.profile } : {}),
    });
    return new DecoderSession(prepared, session, o.provider);
  }

  /** Replaces the value fed for an editable weight (e.g. an edited down_proj); null restores the original. */
  setWeight(name: string, value: Feed | null): void {
    if (!this.prepared.variant.editable.includes(name)) throw new Error(`'${name}' is not an editable weight of this session`);
    if (value) this.overrides.set(name, value);
    else {
      const data = readPreparedWeight(this.prepared.dir, this.prepared.manifest, name);
      const dims = this.prepared.manifest.tensors[name].dims;
      this.overrides.set(name, data instanceof Float32Array ? { dtype: 'float32', dims, data } : { dtype: 'float16', dims, data });
    }
  }

  async run(feeds: Record<string, Feed>): Promise<Record<string, Feed>> {
    const O = ort();
    const t: Record<string, OrtTypes.Tensor> = {};
    for (const [k, f] of [...Object.entries(feeds), ...this.overrides]) t[k] = new O.Tensor(f.dtype, f.data, f.dims);
    const out = await this.session.run(t);
    const res: Record<string, Feed> = {};
    for (const [k, v] of Object.entries(out)) res[k] = { dtype: v.type as Feed['dtype'], dims: [...v.dims], data: v.data as never };
    return res;
  }

  /** Writes the profile of a session opened with `profile` (see SessionOpenOptions). */
  endProfiling(): void {
    this.session.endProfiling();
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
