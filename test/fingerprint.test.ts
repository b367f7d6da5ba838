import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { writeTinyModel } from '../main/engine/testing/tiny';
import { resolveModel } from '../main/engine/arch/registry';
import { contentHash } from '../main/engine/models/inspect';
import { cacheDirFor } from '../main/engine/decoder/prepare';
import { checkpointFingerprint, openCheckpoint } from '../main/engine/safetensors/index';
import { tempDir } from './helpers';

describe('checkpoint fingerprint', () => {
  it('changes when weights of the same shape change (retrained model), not when nothing changed', () => {
    const a = path.join(tempDir(), 'a');
    const b = path.join(tempDir(), 'b');
    writeTinyModel(a, 'llama', { seed: 1 });
    writeTinyModel(b, 'llama', { seed: 2 }); // same shapes and config, other weights
    const fa = checkpointFingerprint(openCheckpoint(a).files);
    expect(checkpointFingerprint(openCheckpoint(a).files)).toBe(fa);
    expect(checkpointFingerprint(openCheckpoint(b).files)).not.toBe(fa);
    const ma = resolveModel(a);
    const mb = resolveModel(b);
    expect(contentHash(ma)).not.toBe(contentHash(mb));
    expect(cacheDirFor('/x', ma, 'float32')).not.toBe(cacheDirFor('/x', mb, 'float32'));
  });

  it('sees a change of a single byte in the middle of the data section', () => {
    const a = path.join(tempDir(), 'a');
    writeTinyModel(a, 'gpt2', { seed: 3 });
    const before = checkpointFingerprint(openCheckpoint(a).files);
    const file = path.join(a, 'model.safetensors');
    const buf = fs.readFileSync(file);
    const f = openCheckpoint(a).files[0];
    // flip the first byte of a sampled block (the samples include the data section's first byte)
    buf[f.dataOffset] ^= 0xff;
    fs.writeFileSync(file, buf);
    expect(checkpointFingerprint(openCheckpoint(a).files)).not.toBe(before);
  });
});
