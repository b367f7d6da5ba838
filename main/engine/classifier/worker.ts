// The classifier worker (bundled as out/main/judge-worker.mjs): owns one ClassifierSession so that ORT's blocking
// run() never stalls the caller's event loop. Started by RemoteClassifier (remote.ts) from the main thread.
import { parentPort } from 'node:worker_threads';
import { toErrorShape } from '../../../shared/errors';
import { ClassifierSession } from './session';
import type { ClassifierRequest, ClassifierMessage } from './remote';

const port = parentPort!;
const send = (m: ClassifierMessage) => port.postMessage(m);
let session: ClassifierSession | null = null;
const aborts = new Map<number, AbortController>();

port.on('message', async (m: ClassifierRequest) => {
  if (m.op === 'cancel') {
    aborts.get(m.target)?.abort();
    return;
  }
  const ac = new AbortController();
  aborts.set(m.id, ac);
  try {
    let result: unknown = null;
    switch (m.op) {
      case 'open':
        await session?.release();
        session = null;
        session = await ClassifierSession.open(m.args.path, { dataDir: m.args.dataDir, provider: m.args.provider, threads: m.args.threads });
        result = session.info;
        break;
      case 'probabilities':
        if (!session) throw new Error('no classifier is open');
        result = await session.probabilities(m.texts, { batchSize: m.batchSize, signal: ac.signal });
        break;
      case 'close':
        await session?.release();
        session = null;
        break;
    }
    send({ type: 'result', id: m.id, ok: true, result });
  } catch (e) {
    send({ type: 'result', id: m.id, ok: false, error: toErrorShape(e) });
  } finally {
    aborts.delete(m.id);
  }
});
