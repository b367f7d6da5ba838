import type { CliCommand } from '../types';
import { call } from '../call';
import { AppError } from '../../../shared/errors';
import { DEMO_PROFILE_NAMES, type DemoProfileName, type DemoStatus } from '../../../shared/api/demo';
import { formatMetric } from '../../eval/metrics';
import { demoStatus, onDemoStatus, waitForDemo } from '../../demo/service';
import { printMetricTable } from './eval';

const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : formatMetric(v));

export const demoCommands: CliCommand[] = [
  {
    name: 'demo',
    usage: 'safeedit demo [--profile full|reduced] [--rebuild] [--json]',
    summary: 'train the toy chat model and judge from the demo set, then evaluate without an edit and with DINM',
    options: { profile: { type: 'string' }, rebuild: { type: 'boolean' }, json: { type: 'boolean' } },
    async run({ values }, ctx, io) {
      const profile = (typeof values.profile === 'string' ? values.profile : 'full') as DemoProfileName;
      if (!DEMO_PROFILE_NAMES.includes(profile)) throw new AppError('usage', `--profile must be one of ${DEMO_PROFILE_NAMES.join(', ')} (got '${profile}')`);
      const tty = process.stderr.isTTY;
      let lastLine = '';
      const show = (s: DemoStatus) => {
        const line = `[demo ${s.step}/${s.steps}] ${s.stage}`;
        if (line !== lastLine && !values.json) io.err(line);
        lastLine = line;
      };
      const unsub = onDemoStatus(ctx, show);
      const unsubJobs = ctx.events.subscribe((e) => {
        if (values.json || !tty || e.type !== 'job' || e.job.status !== 'running') return;
        process.stderr.write(`\r\x1b[K  [${(e.job.progress * 100).toFixed(0).padStart(3)}%] ${e.job.stage ?? ''}`.slice(0, process.stderr.columns ?? 120));
      });
      const onSigint = () => {
        const id = demoStatus(ctx).jobId;
        io.err('\ncancelling…');
        if (id) ctx.jobs.cancel(id);
      };
      process.once('SIGINT', onSigint);
      let end: DemoStatus;
      try {
        await call(ctx, 'demo.run', { profile, rebuild: values.rebuild === true });
        end = await waitForDemo(ctx);
      } finally {
        unsub();
        unsubJobs();
        process.off('SIGINT', onSigint);
        if (tty) process.stderr.write('\r\x1b[K');
      }
      if (end.state !== 'done' || !end.last) throw new AppError('demo_failed', `the demo failed: ${end.error ?? end.stage}`);
      const s = end.last;
      if (values.json) {
        io.out(JSON.stringify({ build: s.build, before: s.before, after: s.after, dinm: s.dinm, seconds: s.seconds }));
        return 0;
      }
      const b = s.build;
      io.out(`Demo (${b.profile}) — toy models trained from the synthetic demo set (docs/demo.md)`);
      io.out(`  chat model  ${b.modelDir}  (${b.chat.parameters} parameters, ${b.chat.steps} steps, loss ${b.chat.firstLoss.toFixed(2)} → ${b.chat.finalLoss.toFixed(3)}${b.reused ? ', reused' : `, ${b.chat.seconds.toFixed(0)} s`})`);
      io.out(`  judge       ${b.judgeDir}  (${b.judge.parameters} parameters, held-out accuracy ${(100 * b.judge.heldOut.accuracy).toFixed(1)}% on ${b.judge.heldOut.texts} responses)`);
      io.out(`  cases       ${b.testIds.length} test records of ${b.caseFile} (ids ${b.testIds.join(',')})`);
      io.out('');
      io.out('Without an edit:');
      printMetricTable(io, await call(ctx, 'eval.getRun', { id: s.before.runId, limit: 0 }));
      io.out('');
      io.out(`With DINM (per-case edit, ${s.dinm.mode}${s.dinm.steps ? `, ${s.dinm.steps} steps` : ''}${s.dinm.lr ? `, lr ${s.dinm.lr}` : ''}):`);
      printMetricTable(io, await call(ctx, 'eval.getRun', { id: s.after.runId, limit: 0 }));
      io.out('');
      const m0 = s.before.metrics;
      const m1 = s.after.metrics;
      io.out(`before → after DINM:  DS ${pct(m0?.DS)} → ${pct(m1?.DS)}   DG-Avg ${pct(m0?.DG_Avg)} → ${pct(m1?.DG_Avg)}   Fluency ${pct(m0?.Fluency)} → ${pct(m1?.Fluency)}`);
      io.out(`runs: ${s.before.runId} (no edit), ${s.after.runId} (DINM) — see 'safeedit runs show ID' or the Experiments page; data dir ${ctx.dataDir}`);
      io.out(`took ${s.seconds.toFixed(0)} s`);
      return 0;
    },
  },
];
