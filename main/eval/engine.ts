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
import type { Editor, Generation, Generator, Judge } from './interfaces';
import { folderHash } from './judge';
import { METHOD_TRAITS } from './protocol';

/** Why judging cannot run on this build (null once the engine provides sequence classifiers). */
const JUDGE_MISSING = 'model engine not built yet: the safety classifier runtime (sequence-classifier graphs) is not available';
/** Why weight-editing methods cannot run on this build. */
const EDITOR_MISSING = 'model engine not built yet: per-case weight editing (DINM, FT-L, ProFS) is not available';

export function capabilities(): { generation: boolean; judging: boolean; editing: boolean; reason: string | null } {
  return { generation: true, judging: false, editing: false, reason: `${JUDGE_MISSING}; ${EDITOR_MISSING}` };
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
  return {
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
      const res = await generate(session, ids, {
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
}

/** The run's judge as a classifier. */
export async function openJudge(_judge: JudgeInfo, _o: OpenOptions): Promise<Judge> {
  throw new AppError('not_available', JUDGE_MISSING);
}

/** The per-case editor for a weight-editing method over the generator's model. */
export async function openEditor(method: EditMethod, _generator: Generator, _o: OpenOptions): Promise<Editor | null> {
  if (!METHOD_TRAITS[method].editsWeights) return null;
  throw new AppError('not_available', EDITOR_MISSING);
}
