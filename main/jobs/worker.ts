import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerData } from './protocol';
import type { TaskContext } from './task';
import { tasks } from './tasks';
import { openDb, type Db } from '../store/db';
import { toErrorShape } from '../../shared/errors';

const port = parentPort!;
const data = workerData as WorkerData;
const controller = new AbortController();
let db: Db | null = null;

function send(m: FromWorker) {
  port.postMessage(m);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') controller.abort();
});

const ctx: TaskContext = {
  jobId: data.jobId,
  dataDir: data.dataDir,
  signal: controller.signal,
  progress(fraction, stage) {
    send({ type: 'progress', fraction: Math.max(0, Math.min(1, fraction)), stage });
  },
  log(message, level = 'info') {
    send({ type: 'log', level, message });
  },
  emit(kind, payload) {
    send({ type: 'event', kind, payload });
  },
  db() {
    if (!db) db = openDb(data.dataDir, { migrate: false });
    return db;
  },
};

async function main() {
  const task = tasks[data.kind];
  try {
    if (!task) throw Object.assign(new Error(`unknown job kind '${data.kind}'`), { code: 'unknown_job' });
    const result = await task(data.input, ctx);
    send({ type: 'done', result: result ?? null });
  } catch (e) {
    send({ type: 'error', error: toErrorShape(e) });
  } finally {
    db?.close();
  }
}
void main();
