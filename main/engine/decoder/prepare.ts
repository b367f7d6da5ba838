// Turns a resolved model into runnable ONNX files in a cache folder under the data dir:
//   <dataDir>/engine-cache/<content hash>-<dtype>/weights.bin       every weight, converted once (f32 or f16)
//                                                /manifest.json     name → dims, offset, length in weights.bin
//                                                /decoder-<variant>.onnx  graphs referencing weights.bin
// The weights are streamed tensor by tensor (one tensor in JS memory at a time); graphs of every variant
// share the same weights.bin.
import crypto from 'node:crypto';
import { checkpointFingerprint } from '../safetensors/fingerprint';
import fs from 'node:fs';
import path from 'node:path';
import type { ModelSpec } from '../arch/registry';
import { readTensorF16, readTensorF32 } from '../safetensors/reader';
import { ExternalDataWriter, writeModel } from '../graph/onnx';
import { decoderSpecFromModel } from './adapter';
import { buildDecoderGraph, variantKey, type DecoderVariant } from './graph';
import type { DecoderSpec, WeightRef } from './spec';

export const WEIGHTS_FILE = 'weights.bin';
const MANIFEST = 'manifest.json';

export interface Manifest {
  dtype: 'float32' | 'float16';
  tensors: Record<string, { dims: number[]; offset: number; length: number }>;
}

/** A content key of the checkpoint: file names, sizes and the safetensors headers (which hold every offset). */
export function checkpointHash(ms: ModelSpec): string {
  const h = crypto.createHash('sha256');
  h.update(checkpointFingerprint(ms.checkpoint.files));
  h.update(JSON.stringify(ms.config));
  return h.digest('hex').slice(0, 20);
}

export function cacheDirFor(dataDir: string, ms: ModelSpec, dtype: 'float32' | 'float16'): string {
  return path.join(dataDir, 'engine-cache', `${checkpointHash(ms)}-${dtype === 'float32' ? 'f32' : 'f16'}`);
}

function allTensorNames(spec: DecoderSpec): string[] {
  return [...new Set([...Object.values(spec.globals), ...spec.layerTensors.flatMap((l) => Object.values(l))].filter((n): n is string => !!n))];
}

/** Writes weights.bin + manifest.json unless a complete copy exists. */
export function prepareWeights(ms: ModelSpec, dtype: 'float32' | 'float16', dir: string, onProgress?: (f: number) => void): Manifest {
  const manifestPath = path.join(dir, MANIFEST);
  if (fs.existsSync(manifestPath)) return JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  const spec = decoderSpecFromModel(ms);
  const names = allTensorNames(spec);
  const byName = new Map([...ms.weights.values()].map((t) => [t.name, t]));
  fs.mkdirSync(dir, { recursive: true });
  const w = new ExternalDataWriter(path.join(dir, `${WEIGHTS_FILE}.tmp`), WEIGHTS_FILE);
  const tensors: Manifest['tensors'] = {};
  try {
    names.forEach((name, i) => {
      const info = byName.get(name);
      if (!info) throw new Error(`tensor ${name} is not in the resolved model`);
      const data = dtype === 'float32' ? readTensorF32(info) : readTensorF16(info);
      const ref = w.append(data);
      tensors[name] = { dims: info.shape, offset: ref.offset, length: ref.length };
      onProgress?.((i + 1) / names.length);
    });
  } finally {
    w.close();
  }
  fs.renameSync(path.join(dir, `${WEIGHTS_FILE}.tmp`), path.join(dir, WEIGHTS_FILE));
  const manifest: Manifest = { dtype, tensors };
  fs.writeFileSync(manifestPath, JSON.stringify(manifest));
  return manifest;
}

export function weightSourceFromManifest(m: Manifest): (name: string) => WeightRef {
  return (name) => {
    const t = m.tensors[name];
    if (!t) throw new Error(`weight '${name}' is not in the prepared weights`);
    return { dims: t.dims, data: { external: WEIGHTS_FILE, offset: t.offset, length: t.length } };
  };
}

/** Reads one weight back from weights.bin (the default feed of an editable tensor). */
export function readPreparedWeight(dir: string, m: Manifest, name: string): Float32Array | Uint16Array {
  const t = m.tensors[name];
  if (!t) throw new Error(`weight '${name}' is not in the prepared weights`);
  const buf = Buffer.allocUnsafe(t.length);
  const fd = fs.openSync(path.join(dir, WEIGHTS_FILE), 'r');
  try {
    fs.readSync(fd, buf, 0, t.length, t.offset);
  } finally {
    fs.closeSync(fd);
  }
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  return m.dtype === 'float32' ? new Float32Array(ab) : new Uint16Array(ab);
}

export interface PreparedGraph {
  dir: string;
  modelPath: string;
  spec: DecoderSpec;
  manifest: Manifest;
  variant: DecoderVariant;
}

/** Prepares weights (once) and the graph file for a variant (once); returns where they are. */
export function prepareDecoder(ms: ModelSpec, dataDir: string, variant: DecoderVariant, onProgress?: (f: number) => void): PreparedGraph {
  const dir = cacheDirFor(dataDir, ms, variant.dtype);
  const manifest = prepareWeights(ms, variant.dtype, dir, onProgress);
  const spec = decoderSpecFromModel(ms);
  const key = crypto.createHash('sha256').update(variantKey(variant)).digest('hex').slice(0, 12);
  const modelPath = path.join(dir, `decoder-${key}.onnx`);
  if (!fs.existsSync(modelPath)) {
    const g = buildDecoderGraph(spec, weightSourceFromManifest(manifest), variant);
    const tmp = `${modelPath}.tmp`;
    writeModel(g, tmp, { dataFile: `decoder-${key}.consts` });
    fs.renameSync(tmp, modelPath);
  }
  return { dir, modelPath, spec, manifest, variant };
}
