// "Export edited model": a complete Hugging Face folder with a patch baked in. Only the shards holding a patched
// tensor are rewritten (the tensor re-encoded in its stored dtype, every other tensor copied byte for byte, the
// shard's metadata kept); every other file is hard-linked (copied when linking fails). Written to a temp folder
// beside the target and renamed into place, so a half-written export never appears under the chosen name.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { resolveModel } from '../engine/arch/registry';
import { openSafetensors, readTensorRaw, writeSafetensors, type TensorToWrite } from '../engine/safetensors';
import { checkPatchFits, readPatch, roundToStored, type Patch } from './patches';

export interface ExportResult {
  outDir: string;
  rewritten: string[];
  linked: number;
  copied: number;
}

function linkOrCopy(src: string, dst: string): 'linked' | 'copied' {
  try {
    fs.linkSync(src, dst);
    return 'linked';
  } catch {
    fs.copyFileSync(src, dst);
    return 'copied';
  }
}

export function exportPatchedModel(modelDir: string, patchOrFile: Patch | string, outDirIn: string): ExportResult {
  const ms = resolveModel(modelDir);
  const patch = typeof patchOrFile === 'string' ? readPatch(patchOrFile) : patchOrFile;
  checkPatchFits(ms, patch);
  const outDir = path.resolve(outDirIn);
  if (outDir === ms.dir) throw new AppError('invalid_input', `${outDir}: the export folder must differ from the model folder`);
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) throw new AppError('invalid_input', `${outDir}: exists and is not empty`);
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(outDir), `.${path.basename(outDir)}.tmp-`));
  const byName = new Map(patch.tensors.map((t) => [t.name, t]));
  const shardsToRewrite = new Set<string>();
  for (const t of patch.tensors) shardsToRewrite.add(ms.checkpoint.tensors.get(t.name)!.file);
  const res: ExportResult = { outDir, rewritten: [], linked: 0, copied: 0 };
  try {
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(ms.dir, rel), { withFileTypes: true })) {
        const r = path.join(rel, e.name);
        const src = path.join(ms.dir, r);
        const dst = path.join(tmp, r);
        if (e.isDirectory()) {
          if (e.name.startsWith('.')) continue; // .git, .cache
          fs.mkdirSync(dst, { recursive: true });
          walk(r);
        } else if (e.isFile()) {
          if (shardsToRewrite.has(src)) {
            const st = openSafetensors(src);
            const tensors: TensorToWrite[] = [...st.tensors.values()]
              .sort((a, b) => a.begin - b.begin)
              .map((t) => {
                const p = byName.get(t.name);
                if (!p) return { name: t.name, dtype: t.dtype, shape: t.shape, data: readTensorRaw(t) };
                if (t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16') throw new AppError('invalid_model', `${src}: tensor '${t.name}' is ${t.dtype}; only float tensors can be patched`);
                return { name: t.name, dtype: t.dtype, shape: t.shape, data: roundToStored(p.data, t.dtype) };
              });
            writeSafetensors(dst, tensors, st.metadata);
            res.rewritten.push(r);
          } else if (linkOrCopy(src, dst) === 'linked') res.linked++;
          else res.copied++;
        }
      }
    };
    walk('');
    if (fs.existsSync(outDir)) fs.rmdirSync(outDir);
    fs.renameSync(tmp, outDir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return res;
}
