// A model opened for editing: its resolved spec, tokenizer, float32 prepared weights (the engine's cache), the
// hidden-states decoder session used to locate the toxic layer, and the per-layer edit graphs (graphs.ts) as ORT
// sessions. Lives wherever the edit runs (a job worker, the CLI process, a test): ORT blocks that thread.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';
import { AppError } from '../../shared/errors';
import { resolveModel, tensorName, type ModelSpec } from '../engine/arch/registry';
import { prepareDecoder, readPreparedWeight, weightSourceFromManifest, type PreparedGraph } from '../engine/decoder/prepare';
import type { DecoderSpec } from '../engine/decoder/spec';
import { writeModel } from '../engine/graph/onnx';
import type { Graph } from '../engine/graph/ir';
import type { Feed } from '../engine/generate/generate';
import { DecoderSession, ort } from '../engine/runtime/session';
import { loadTokenizer, type ModelTokenizer } from '../engine/text/tokenizer';
import { buildBlockOutputsGraph, buildEditGraphs } from './graphs';

/** Bump when the edit graphs change shape, so cached graph files are rebuilt. */
const GRAPH_VERSION = 2;

export interface LayerSessions {
  layer: number;
  params: string[];
  klGrad: boolean;
  klDirection: 'ref-first' | 'current-first';
  prefix: OrtTypes.InferenceSession;
  rows: OrtTypes.InferenceSession;
  step: OrtTypes.InferenceSession;
  grads: Record<string, string>;
}

export interface OpenEditModelOptions {
  dataDir: string;
  threads?: number;
  onProgress?: (fraction: number, stage: string) => void;
  /** ORT profiling for the edit-graph sessions: files `<profile>-<prefix|rows|step|blocks>_<date>.json`, written by endProfiling() (benchmarks) */
  profile?: string;
}

/** The edited tensors of a layer: the profile's editTarget (down projection weight, and its bias where it has one). */
export function editTargets(ms: ModelSpec, layer: number): string[] {
  if (!Number.isInteger(layer) || layer < 0 || layer >= ms.dims.layers) {
    throw new AppError('invalid_input', `layer ${layer} is outside 0..${ms.dims.layers - 1} (${ms.dir} has ${ms.dims.layers} decoder blocks)`);
  }
  const roles = [ms.profile.editTarget.weight, ms.profile.editTarget.bias].filter((r): r is NonNullable<typeof r> => !!r);
  return roles.map((r) => {
    const t = ms.weights.get(`${r}.${layer}`);
    if (!t) throw new AppError('invalid_model', `${ms.dir}: no '${tensorName(ms.profile, r, layer)}' tensor to edit`);
    return t.name;
  });
}

export class EditModel {
  private cache: LayerSessions | null = null;
  private blocks: OrtTypes.InferenceSession | null = null;
  private constructor(
    readonly ms: ModelSpec,
    readonly tok: ModelTokenizer,
    readonly prepared: PreparedGraph,
    readonly locateSession: DecoderSession,
    private readonly threads: number | undefined,
    /** ORT profiling prefix for the edit-graph sessions (benchmarks) */
    private readonly profile?: string,
  ) {}

  static async open(modelDir: string, o: OpenEditModelOptions): Promise<EditModel> {
    const ms = resolveModel(modelDir);
    const tok = loadTokenizer(ms.dir);
    o.onProgress?.(0, 'preparing the model');
    const prepared = prepareDecoder(ms, o.dataDir, { dtype: 'float32', hiddenStates: true, allLogits: false, editable: [] }, (f) =>
      o.onProgress?.(f, 'preparing the model'),
    );
    const locate = await DecoderSession.open(prepared, { provider: 'cpu', threads: o.threads });
    return new EditModel(ms, tok, prepared, locate, o.threads, o.profile);
  }

  get spec(): DecoderSpec {
    return this.prepared.spec;
  }

  /** The original float32 values of a weight (a fresh copy). */
  readWeight(name: string): Float32Array {
    const w = readPreparedWeight(this.prepared.dir, this.prepared.manifest, name);
    if (!(w instanceof Float32Array)) throw new Error(`weight '${name}' is not float32 in the prepared cache`);
    return w;
  }

  dims(name: string): number[] {
    const t = this.prepared.manifest.tensors[name];
    if (!t) throw new Error(`weight '${name}' is not in the prepared weights`);
    return t.dims;
  }

  /** ORT sessions of the edit graphs for a layer (built and written to the engine cache once, then reused). */
  async layerSessions(layer: number, klGrad: boolean, klDirection: 'ref-first' | 'current-first'): Promise<LayerSessions> {
    const params = editTargets(this.ms, layer);
    const c = this.cache;
    if (c && c.layer === layer && c.klGrad === klGrad && c.klDirection === klDirection) return c;
    await this.releaseLayer();
    const key = crypto.createHash('sha256').update(JSON.stringify({ v: GRAPH_VERSION, layer, params, klGrad, klDirection })).digest('hex').slice(0, 12);
    const file = (kind: string) => path.join(this.prepared.dir, `edit-${key}-${kind}.onnx`);
    const meta = path.join(this.prepared.dir, `edit-${key}.json`);
    let grads: Record<string, string>;
    if (!fs.existsSync(meta)) {
      const g = buildEditGraphs(this.spec, weightSourceFromManifest(this.prepared.manifest), { layer, params, klGrad, klDirection });
      const write = (graph: Graph, kind: string) => {
        const tmp = `${file(kind)}.tmp`;
        writeModel(graph, tmp, { dataFile: `edit-${key}-${kind}.consts` });
        fs.renameSync(tmp, file(kind));
      };
      write(g.prefix, 'prefix');
      write(g.rows, 'rows');
      write(g.step, 'step');
      grads = g.grads;
      fs.writeFileSync(meta, JSON.stringify({ grads }));
    } else grads = (JSON.parse(fs.readFileSync(meta, 'utf8')) as { grads: Record<string, string> }).grads;
    const open = (kind: string) => this.openSession(file(kind), kind);
    const [prefix, rows, step] = [await open('prefix'), await open('rows'), await open('step')];
    this.cache = { layer, params, klGrad, klDirection, prefix, rows, step, grads };
    return this.cache;
  }

  /** An ORT session over an edit graph file, with the engine's session options (runtime/session.ts): no spinning
   *  intra-op threads, one inter-op thread (docs/engine.md). */
  private openSession(file: string, kind: string): Promise<OrtTypes.InferenceSession> {
    return ort().InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
      ...(this.threads ? { intraOpNumThreads: this.threads } : {}),
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      ...(this.profile ? { enableProfiling: true, profileFilePrefix: `${this.profile}-${kind}` } : {}),
    });
  }

  /** The paper-mode locate session: every block's output before the final norm (graphs.ts buildBlockOutputsGraph). */
  async blockOutputsSession(): Promise<OrtTypes.InferenceSession> {
    if (this.blocks) return this.blocks;
    const file = path.join(this.prepared.dir, `edit-blocks-v${GRAPH_VERSION}.onnx`);
    if (!fs.existsSync(file)) {
      const tmp = `${file}.tmp`;
      writeModel(buildBlockOutputsGraph(this.spec, weightSourceFromManifest(this.prepared.manifest)), tmp, { dataFile: `edit-blocks-v${GRAPH_VERSION}.consts` });
      fs.renameSync(tmp, file);
    }
    this.blocks = await this.openSession(file, 'blocks');
    return this.blocks;
  }

  /** Writes the ORT profiles of the current layer's edit sessions (opened with `profile`); returns nothing. */
  endProfiling(): void {
    const c = this.cache;
    if (c) for (const s of [c.prefix, c.rows, c.step]) s.endProfiling();
  }

  private async releaseLayer(): Promise<void> {
    const c = this.cache;
    this.cache = null;
    if (c) for (const s of [c.prefix, c.rows, c.step]) await s.release();
  }

  async release(): Promise<void> {
    await this.releaseLayer();
    const b = this.blocks;
    this.blocks = null;
    await b?.release();
    await this.locateSession.release();
  }
}

/** Runs a session with the feeds it declares (others ignored); a declared input without a feed is an error. */
export async function runSession(s: OrtTypes.InferenceSession, feeds: Record<string, Feed>): Promise<Record<string, Feed>> {
  const O = ort();
  const t: Record<string, OrtTypes.Tensor> = {};
  for (const name of s.inputNames) {
    const f = feeds[name];
    if (!f) throw new Error(`edit graph input '${name}' was not fed`);
    t[name] = new O.Tensor(f.dtype, f.data, f.dims);
  }
  const out = await s.run(t);
  const res: Record<string, Feed> = {};
  for (const [k, v] of Object.entries(out)) res[k] = { dtype: v.type as Feed['dtype'], dims: [...v.dims], data: v.data as never };
  return res;
}
