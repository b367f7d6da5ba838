// The long-lived engine worker (bundled as out/main/engine-worker.mjs): owns one EngineCore (the loaded model
// and its ORT sessions) and answers requests from the main-side EngineClient. ORT's run() blocks this thread,
// never the app's event loop.
import { parentPort } from 'node:worker_threads';
import { toErrorShape } from '../../../shared/errors';
import { EngineCore } from './core';
import type { EngineRequest, EngineMessage } from './protocol';

const port = parentPort!;
const send = (m: EngineMessage) => port.postMessage(m);
const core = new EngineCore((message) => send({ type: 'log', message }));
const aborts = new Map<number, AbortController>();

port.on('message', async (m: EngineRequest) => {
  if (m.op === 'cancel') {
    aborts.get(m.target)?.abort();
    return;
  }
  const ac = new AbortController();
  aborts.set(m.id, ac);
  try {
    let result: unknown;
    switch (m.op) {
      case 'load':
        result = await core.load(m.args);
        break;
      case 'eject':
        await core.eject();
        result = null;
        break;
      case 'status':
        result = core.status();
        break;
      case 'estimate':
        result = core.estimate(m.args.modelDir, m.args.provider);
        break;
      case 'generate':
        result = await core.generate(m.args, (e) => send({ type: 'token', id: m.id, event: e }), ac.signal);
        break;
      case 'inspect':
        result = await core.inspect(m.args);
        break;
      case 'applyPatch':
        result = await core.applyPatch(m.args);
        break;
      case 'clearPatch':
        await core.clearPatch();
        result = null;
        break;
      case 'activePatch':
        result = core.activePatch();
        break;
    }
    send({ type: 'result', id: m.id, ok: true, result });
  } catch (e) {
    send({ type: 'result', id: m.id, ok: false, error: toErrorShape(e) });
  } finally {
    aborts.delete(m.id);
  }
});
