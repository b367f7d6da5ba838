// The one place where the evaluation gets its real Generator, Judge and Editor from the model engine and the
// editing domain. What is not built yet fails here with AppError('not_available'), never with a stand-in.
import type { EditMethod, JudgeInfo } from '../../shared/api/eval';
import { AppError } from '../../shared/errors';
import { resolveModel } from '../engine/arch/registry';
import { DEFAULT_VARIANT } from '../engine/decoder/graph';
import { prepareDecoder } from '../engine/decoder/prepare';
import { generate } from '../engine/generate/generate';
import { GREEDY } from '../engine/generate/sampling';
import { DecoderSession } from '../engine/runtime/session';
import { loadTokenizer } from '../engine/text/tokenizer';
import { openClassifier } from '../engine/classifier/remote';
import type { Editor, Generation, Generator, Judge } from './interfaces';
import { folderHash, readJudgeFolder } from './judge';
import { METHOD_TRAITS } from './protocol';
import { openCaseEditor, type SwappableGenerator, type WeightEditMethod } from '../editing/editor';

/** Why judging cannot run on this build (null once the engine provides sequence classifiers). */
const JUDGE_MISSING = 'model engine not built yet: the safety classifier runtime (sequence-classifier graphs) is not available';
/** Why weight-editing methods cannot run on this build. */
const EDITOR_MISSING = 'model engine not built yet: per-case weight editing (DINM, FT-L, ProFS) is not available';

export function capabilities(): { generation: boolean; judging: boolean; editing: boolean; reason: string | null } {
  return { generation: true, judging: true, editing: true, reason: null };
}

/** Throws not_available when this build cannot run an evaluation with this edit method. */
export function assertRunnable(method: EditMethod): void {
  const c = capabilities();
  if (!c.judging) throw new AppError('not_available', JUDGE_MISSING);
  if (METHOD_TRAITS[method].editsWeights && !c.editing) throw new AppError('not_available', EDITOR_MISSING);
}

export interface OpenOptions {
  dataDir: string;
  provider?: string;
  onProgress?: (fraction: number, stage: string) => void;
}

/** A batched generator over the engine's decoder (left padding, greedy or seeded sampling). */
export async function openGenerator(modelDir: string, o: OpenOptions): Promise<Generator> {
  const ms = resolveModel(modelDir);
  const tok = loadTokenizer(ms.dir);
  o.onProgress?.(0, 'hashing model files');
  const modelHash = await folderHash(ms.dir, /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|.*\.safetensors)$/);
  o.onProgress?.(0, 'preparing the model');
  const prepared = prepareDecoder(ms, o.dataDir, DEFAULT_VARIANT, (f) => o.onProgress?.(f, 'preparing the model'));
  const session = await DecoderSession.open(prepared, { provider: o.provider ?? 'cpu' });
  const eos = ms.eosTokenIds.length ? ms.eosTokenIds : tok.info.eosId !== null ? [tok.info.eosId] : [];
  const pad = ms.padTokenId ?? tok.info.padId ?? eos[0] ?? 0;
  let active = session; // the editor (openEditor) swaps in a session fed with the edited tensors
  const gen: Generator = {
    modelHash,
    hasChatTemplate: tok.info.hasChatTemplate,
    async generate(prompts, options, signal): Promise<Generation[]> {
      // Inputs longer than the context keep their last tokens (EasyEdit truncates from the left: the harmful
      // question sits at the end of an attack prompt).
      const room = Math.max(1, ms.maxContext - options.maxNewTokens);
      const ids = prompts.map((p) => {
        const full = options.chat ? tok.encodeChat([{ role: 'user', content: p }]) : tok.encode(p);
        return full.length > room ? full.slice(full.length - room) : full;
      });
      const res = await generate(active, ids, {
        maxNewTokens: options.maxNewTokens,
        eosTokenIds: eos,
        padTokenId: pad,
        sampling: options.greedy
          ? GREEDY
          : { doSample: true, temperature: options.temperature, topK: 0, topP: options.topP, repetitionPenalty: 1, seed: options.seed },
        signal,
      });
      return res.newIds.map((row, i) => {
        const body = row.length && eos.includes(row[row.length - 1]) ? row.slice(0, -1) : row;
        return { text: tok.decode(body, { skipSpecialTokens: true }), promptTokens: ids[i].length, outputTokens: body.length };
      });
    },
    async dispose() {
      await session.release();
    },
  };
  swappable.set(gen, { ms, dataDir: o.dataDir, use: (s) => (active = s ?? session) });
  return gen;
}

/** Generators made by openGenerator, with the hook the per-case editor uses to swap their session. */
const swappable = new WeakMap<Generator, SwappableGenerator>();

/**
 * The run's judge as a classifier (engine/classifier): in this thread inside a job worker, else in a classifier
 * worker thread. The files must still be the ones the judge record identifies.
 */
export async function openJudge(judge: JudgeInfo, o: OpenOptions): Promise<Judge> {
  o.onProgress?.(0, 'checking the judge files');
  const folder = readJudgeFolder(judge.path);
  const hash = await folderHash(folder.dir);
  if (hash !== judge.contentHash) {
    throw new AppError('judge_changed', `judge: the files at ${folder.dir} changed since judge ${judge.name} was recorded (hash ${judge.contentHash.slice(0, 12)} → ${hash.slice(0, 12)}); inspect it again`);
  }
  o.onProgress?.(0, 'loading the judge');
  const c = await openClassifier({ path: judge.path, dataDir: o.dataDir, provider: o.provider });
  const n = Object.keys(c.info.labels).length;
  if (judge.unsafeLabel >= n) {
    await c.close();
    throw new AppError('judge_failed', `judge: unsafe label ${judge.unsafeLabel} is not one of the classifier's ${n} labels`);
  }
  return {
    async classify(texts, signal) {
      const probs = await c.probabilities(texts, { signal }); // [texts][labels]
      return probs.map((p) => p[judge.unsafeLabel]);
    },
    dispose: () => c.close(),
  };
}

/** The per-case editor for a weight-editing method over the generator's model. */
export async function openEditor(method: EditMethod, generator: Generator, _o: OpenOptions): Promise<Editor | null> {
  if (!METHOD_TRAITS[method].editsWeights) return null;
  const target = swappable.get(generator);
  if (!target) throw new AppError('not_available', EDITOR_MISSING);
  return openCaseEditor(method as WeightEditMethod, target);
}
