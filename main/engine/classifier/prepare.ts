// Turns a resolved classifier folder into a runnable ONNX file in the data dir's engine cache:
//   <dataDir>/engine-cache/classifier-<content key>/weights.bin      every weight as float32, streamed once
//                                                   /manifest.json    name → dims, offset, length in weights.bin
//                                                   /classifier-<variant>.onnx  graph referencing weights.bin
// (the same layout as the decoder's cache: decoder/prepare.ts).
import crypto from 'node:crypto';
import { checkpointFingerprint } from '../safetensors/fingerprint';
import fs from 'node:fs';
import path from 'node:path';
import type { ClassifierSpec } from '../arch/classifiers';
import { readTensorF32 } from '../safetensors/reader';
import { ExternalDataWriter, writeModel } from '../graph/onnx';
import type { WeightRef } from '../decoder/spec';
import { buildClassifierGraph, type ClassifierVariant, DEFAULT_CLASSIFIER_VARIANT } from './graph';

export const CLASSIFIER_WEIGHTS = 'weights.bin';
const MANIFEST = 'manifest.json';

export interface ClassifierManifest {
  tensors: Record<string, { dims: number[]; offset: number; length: number }>;
}

export interface PreparedClassifier {
  dir: string;
  modelPath: string;
  manifest: ClassifierManifest;
  variant: ClassifierVariant;
}

/** A content key of the checkpoint: file names, sizes, safetensors headers (which hold every offset) and config. */
export function classifierKey(spec: ClassifierSpec): string {
  const h = crypto.createHash('sha256');
  h.update('classifier-v2');
  h.update(checkpointFingerprint(spec.checkpoint.files));
  h.update(JSON.stringify(spec.config));
  return h.digest('hex').slice(0, 20);
}

function prepareWeights(spec: ClassifierSpec, dir: string, onProgress?: (f: number) => void): ClassifierManifest {
  const manifestPath = path.join(dir, MANIFEST);
  if (fs.existsSync(manifestPath)) return JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as ClassifierManifest;
  fs.mkdirSync(dir, { recursive: true });
  const infos = [...new Map([...spec.tensors.values()].map((t) => [t.name, t])).values()];
  const tmp = path.join(dir, `${CLASSIFIER_WEIGHTS}.${process.pid}.tmp`);
  const w = new ExternalDataWriter(tmp, CLASSIFIER_WEIGHTS);
  const tensors: ClassifierManifest['tensors'] = {};
  try {
    infos.forEach((info, i) => {
      const ref = w.append(readTensorF32(info)); // one tensor in JS memory at a time
      tensors[info.name] = { dims: info.shape, offset: ref.offset, length: ref.length };
      onProgress?.((i + 1) / infos.length);
    });
  } finally {
    w.close();
  }
  fs.renameSync(tmp, path.join(dir, CLASSIFIER_WEIGHTS));
  const manifest: ClassifierManifest = { tensors };
  fs.writeFileSync(manifestPath, JSON.stringify(manifest));
  return manifest;
}

function sourceFromManifest(m: ClassifierManifest): (name: string) => WeightRef {
  return (name) => {
    const t = m.tensors[name];
    if (!t) throw new Error(`weight '${name}' is not in the prepared classifier weights`);
    return { dims: t.dims, data: { external: CLASSIFIER_WEIGHTS, offset: t.offset, length: t.length } };
  };
}

/** Reads one prepared weight back (the default feed of a trainable weight). */
export function readPreparedClassifierWeight(p: PreparedClassifier, name: string): Float32Array {
  const t = p.manifest.tensors[name];
  if (!t) throw new Error(`weight '${name}' is not in the prepared classifier weights`);
  const buf = Buffer.allocUnsafe(t.length);
  const fd = fs.openSync(path.join(p.dir, CLASSIFIER_WEIGHTS), 'r');
  try {
    fs.readSync(fd, buf, 0, t.length, t.offset);
  } finally {
    fs.closeSync(fd);
  }
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}

/** Prepares the weights (once) and the graph file for a variant (once); returns where they are. */
export function prepareClassifier(spec: ClassifierSpec, dataDir: string, variant: ClassifierVariant = DEFAULT_CLASSIFIER_VARIANT, onProgress?: (f: number) => void): PreparedClassifier {
  const dir = path.join(dataDir, 'engine-cache', `classifier-${classifierKey(spec)}`);
  const manifest = prepareWeights(spec, dir, onProgress);
  const key = crypto.createHash('sha256').update(JSON.stringify({ t: [...variant.trainable].sort(), p: variant.pooled })).digest('hex').slice(0, 12);
  const modelPath = path.join(dir, `classifier-${key}.onnx`);
  if (!fs.existsSync(modelPath)) {
    const g = buildClassifierGraph(spec, sourceFromManifest(manifest), variant);
    const tmp = `${modelPath}.${process.pid}.tmp`;
    writeModel(g, tmp, { dataFile: `classifier-${key}.consts` });
    fs.renameSync(tmp, modelPath);
  }
  return { dir, modelPath, manifest, variant };
}
