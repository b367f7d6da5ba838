// A UI process (Electron or the headless host) starts with nothing loaded: load states left in the registry by a
// previous run are reset. CLI processes leave them alone (a host may be running beside them on the same data dir).
import { startupHooks } from '../../context';

startupHooks.push((ctx) => {
  if (ctx.transport === 'cli') return;
  ctx.db
    .prepare("UPDATE models SET state = 'registered', error = NULL, updated_at = ? WHERE state IN ('loading', 'ready')")
    .run(new Date().toISOString());
});
