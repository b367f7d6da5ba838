// Judge identity: reads a classifier folder's config (id2label, model type), decides which label is "unsafe",
// hashes the files, and records the judge. Running the classifier is the engine's part (main/eval/engine.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/db';
import type { JudgeInfo, JudgeSpec } from '../../shared/api/eval';
import { AppError } from '../../shared/errors';

/** Sequence-classifier model types the graph builder is asked to support (config.json model_type). */
export const JUDGE_MODEL_TYPES = ['roberta', 'bert', 'distilbert', 'deberta-v2', 'xlm-roberta'] as const;

/** Label names that mean "unsafe" (matched against config id2label values). */
const UNSAFE_NAME = /(^|[^a-z])(un-?safe|toxic|harmful|harm|offensive|hate|unsafe_content)([^a-z]|$)/i;

/** Files that make a judge's identity (weights, config, tokenizer); anything else in the folder is ignored. */
const IDENTITY_FILE = /^(config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|vocab\.(json|txt)|merges\.txt|spm\.model|.*\.safetensors|.*\.onnx|.*\.onnx_data|pytorch_model\.bin|model\.safetensors\.index\.json)$/;

export interface JudgeFolder {
  dir: string;
  kind: 'hf-folder' | 'onnx';
  modelType: string | null;
  labels: Record<string, string>;
}

/** Reads config.json (and checks what is there) without loading any weights. */
export function readJudgeFolder(p: string): JudgeFolder {
  const abs = path.resolve(p);
  let dir = abs;
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new AppError('not_found', `judge: ${abs} does not exist`);
  }
  if (st.isFile()) {
    if (!abs.endsWith('.onnx')) throw new AppError('invalid_input', `judge: ${abs} is a file but not an .onnx classifier; give a folder or a .onnx file`);
    dir = path.dirname(abs);
  }
  const files = fs.readdirSync(dir);
  const kind = st.isFile() || files.some((f) => f.endsWith('.onnx')) ? 'onnx' : 'hf-folder';
  const cfgPath = path.join(dir, 'config.json');
  if (!fs.existsSync(cfgPath)) throw new AppError('invalid_input', `judge: ${dir} has no config.json (a Hugging Face sequence-classifier folder is expected)`);
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new AppError('invalid_input', `judge: ${cfgPath} is not valid JSON: ${(e as Error).message}`);
  }
  const modelType = typeof cfg.model_type === 'string' ? cfg.model_type : null;
  if (kind === 'hf-folder') {
    if (!modelType || !(JUDGE_MODEL_TYPES as readonly string[]).includes(modelType)) {
      throw new AppError('unsupported', `judge: ${cfgPath}: model_type ${JSON.stringify(modelType)} is not a supported classifier (${JUDGE_MODEL_TYPES.join(', ')})`);
    }
    const arch = Array.isArray(cfg.architectures) ? (cfg.architectures as unknown[]).map(String) : [];
    if (arch.length && !arch.some((a) => a.endsWith('ForSequenceClassification'))) {
      throw new AppError('unsupported', `judge: ${cfgPath}: architectures ${arch.join(', ')} is not a sequence classifier`);
    }
    if (!files.some((f) => f.endsWith('.safetensors'))) throw new AppError('invalid_input', `judge: ${dir} has no .safetensors weights`);
  }
  if (!files.includes('tokenizer.json') && !files.includes('vocab.json') && !files.includes('vocab.txt')) {
    throw new AppError('invalid_input', `judge: ${dir} has no tokenizer (tokenizer.json, vocab.json or vocab.txt)`);
  }
  const raw = cfg.id2label;
  let labels: Record<string, string>;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    labels = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } else {
    const n = typeof cfg.num_labels === 'number' ? cfg.num_labels : 2;
    labels = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
  }
  const idx = Object.keys(labels).map(Number);
  if (idx.length < 2 || idx.some((i) => !Number.isInteger(i) || i < 0 || i >= idx.length)) {
    throw new AppError('invalid_input', `judge: ${cfgPath}: id2label must map 0..n-1 (n ≥ 2) to names (got ${JSON.stringify(raw)})`);
  }
  return { dir, kind, modelType, labels };
}

/**
 * Which class index is "unsafe": the user's choice; else the one id2label name that says so; else, for a
 * two-class head with generic names, SafeEdit's convention (0 = safe, 1 = unsafe), shown to the user to confirm.
 */
export function decideUnsafeLabel(labels: Record<string, string>, user?: number): { index: number; source: JudgeInfo['labelSource'] } {
  const n = Object.keys(labels).length;
  if (user !== undefined) {
    if (user >= n) throw new AppError('invalid_input', `judge: unsafe label ${user} is not one of the classifier's labels 0..${n - 1}`);
    return { index: user, source: 'user' };
  }
  const named = Object.entries(labels).filter(([, name]) => UNSAFE_NAME.test(name));
  if (named.length === 1) return { index: Number(named[0][0]), source: 'config' };
  if (n === 2 && named.length === 0) return { index: 1, source: 'convention' };
  throw new AppError(
    'needs_confirmation',
    `judge: cannot tell which label means unsafe from id2label ${JSON.stringify(labels)}; choose it (--unsafe-label N)`,
    { labels },
  );
}

const hashCache = new Map<string, { stamp: string; hash: string }>();

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

/**
 * Content hash of a model folder: sha256 over (name, sha256(content)) of its identity files in name order.
 * Cached per process by (path, sizes, mtimes).
 */
export async function folderHash(dir: string, filter: RegExp = IDENTITY_FILE): Promise<string> {
  const names = fs
    .readdirSync(dir)
    .filter((f) => filter.test(f) && fs.statSync(path.join(dir, f)).isFile())
    .sort();
  if (!names.length) throw new AppError('invalid_input', `${dir} has no model files to identify`);
  const stamp = names.map((f) => {
    const s = fs.statSync(path.join(dir, f));
    return `${f}:${s.size}:${s.mtimeMs}`;
  }).join('|');
  const hit = hashCache.get(dir);
  if (hit && hit.stamp === stamp) return hit.hash;
  const h = createHash('sha256');
  for (const f of names) h.update(`${f}\u0000${await sha256File(path.join(dir, f))}\n`);
  const hash = h.digest('hex');
  hashCache.set(dir, { stamp, hash });
  return hash;
}

export function judgeId(contentHash: string, unsafeLabel: number, threshold: number): string {
  return createHash('sha256').update(`${contentHash}|${unsafeLabel}|${threshold}`).digest('hex').slice(0, 16);
}

interface JudgeRow {
  id: string;
  name: string;
  path: string;
  kind: 'hf-folder' | 'onnx';
  content_hash: string;
  labels_json: string;
  unsafe_label: number;
  label_source: JudgeInfo['labelSource'];
  threshold: number;
  created_at: string;
}

function rowToJudge(r: JudgeRow): JudgeInfo {
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    kind: r.kind,
    contentHash: r.content_hash,
    labels: JSON.parse(r.labels_json),
    unsafeLabel: r.unsafe_label,
    labelSource: r.label_source,
    threshold: r.threshold,
    createdAt: r.created_at,
  };
}

/** Reads and hashes a judge folder; nothing stored. */
export async function inspectJudge(spec: JudgeSpec): Promise<JudgeInfo> {
  const folder = readJudgeFolder(spec.path);
  const { index, source } = decideUnsafeLabel(folder.labels, spec.unsafeLabel);
  const contentHash = await folderHash(folder.dir);
  return {
    id: judgeId(contentHash, index, spec.threshold),
    name: path.basename(folder.dir),
    path: path.resolve(spec.path),
    kind: folder.kind,
    contentHash,
    labels: folder.labels,
    unsafeLabel: index,
    labelSource: source,
    threshold: spec.threshold,
    createdAt: new Date().toISOString(),
  };
}

/** Stores a judge identity (once per id) and returns the stored row. */
export function saveJudge(db: Db, j: JudgeInfo): JudgeInfo {
  db.prepare(
    `INSERT OR IGNORE INTO judges(id, name, path, kind, content_hash, labels_json, unsafe_label, label_source, threshold, created_at)
     VALUES (?,?,?,?,?,?,?,?,?,?)`,
  ).run(j.id, j.name, j.path, j.kind, j.contentHash, JSON.stringify(j.labels), j.unsafeLabel, j.labelSource, j.threshold, j.createdAt);
  return getJudge(db, j.id);
}

export function getJudge(db: Db, id: string): JudgeInfo {
  const r = db.prepare('SELECT * FROM judges WHERE id=?').get(id) as JudgeRow | undefined;
  if (!r) throw new AppError('not_found', `no judge with id ${id}`);
  return rowToJudge(r);
}

/** Label from P(unsafe): 1 when p_unsafe > threshold (at 0.5 this is argmax of a two-class head, ties → safe). */
export function labelFor(pUnsafe: number, threshold: number): 0 | 1 {
  return pUnsafe > threshold ? 1 : 0;
}
