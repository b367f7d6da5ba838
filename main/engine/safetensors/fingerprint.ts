// One fingerprint of a checkpoint's content, used for the registry's content hash, the engine's prepared-weight
// caches and patch compatibility. Reading every byte of a 14 GB model would take minutes, so it hashes each
// file's name, size and header plus SAMPLES evenly spaced blocks of its data section (and its last block):
// retraining or replacing weights of the same shape changes it, at the cost of ~1 MiB read per file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SafetensorsFile } from './reader';

const SAMPLES = 16;
const BLOCK = 64 * 1024;

export function checkpointFingerprint(files: readonly Pick<SafetensorsFile, 'file' | 'size' | 'header' | 'dataOffset'>[]): string {
  const h = crypto.createHash('sha256');
  h.update('fingerprint-v2');
  for (const f of [...files].sort((a, b) => path.basename(a.file).localeCompare(path.basename(b.file)))) {
    h.update(`\0${path.basename(f.file)}\0${f.size}\0`);
    h.update(f.header);
    const dataBytes = f.size - f.dataOffset;
    if (dataBytes <= 0) continue;
    const fd = fs.openSync(f.file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(BLOCK, dataBytes));
      const starts = new Set<number>();
      for (let i = 0; i < SAMPLES; i++) starts.add(f.dataOffset + Math.floor(((dataBytes - buf.length) * i) / Math.max(1, SAMPLES - 1)));
      starts.add(f.size - buf.length);
      for (const s of [...starts].sort((a, b) => a - b)) {
        const n = fs.readSync(fd, buf, 0, buf.length, s);
        h.update(buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return h.digest('hex');
}
