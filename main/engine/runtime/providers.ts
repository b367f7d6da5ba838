import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface ProviderInfo {
  name: string;
  bundled: boolean;
  available: boolean;
}

/** Provider shared-library names that must sit beside the binding for a non-bundled provider to load. */
const PROVIDER_LIBS: Record<string, string[]> = {
  cuda: ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'],
  tensorrt: ['libonnxruntime_providers_tensorrt.so', 'onnxruntime_providers_tensorrt.dll'],
};

/** The execution providers this onnxruntime-node build knows, and whether each can be used here. */
export function listProviders(): ProviderInfo[] {
  let backends: { name: string; bundled: boolean }[] = [];
  try {
    const ort = require('onnxruntime-node') as { listSupportedBackends?: () => { name: string; bundled: boolean }[] };
    backends = ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
  } catch {
    return [];
  }
  let binDir = '';
  try {
    const pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    binDir = path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    /* no dir */
  }
  return backends.map((b) => ({
    name: b.name,
    bundled: b.bundled,
    available: b.bundled || (PROVIDER_LIBS[b.name] ?? []).some((f) => binDir && fs.existsSync(path.join(binDir, f))),
  }));
}

/** First provider in the user's preference order that is available; cpu always is. */
export function chooseProvider(preference: string[], providers = listProviders()): { name: string; reason: string } {
  for (const p of preference) {
    const info = providers.find((x) => x.name === p);
    if (info?.available) return { name: p, reason: `${p} is available` };
  }
  return { name: 'cpu', reason: 'no preferred provider available; falling back to cpu' };
}
