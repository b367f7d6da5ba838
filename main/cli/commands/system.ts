import type { CliCommand } from '../types';
import { call, followJob } from '../call';
import { startHost } from '../../host/server';

export const systemCommands: CliCommand[] = [
  {
    name: 'info',
    usage: 'safeedit info [--json]',
    summary: 'version, data dir, ONNX Runtime execution providers, SQLite version',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const info = await call(ctx, 'system.info', {});
      if (args.values.json) {
        io.out(JSON.stringify(info, null, 2));
        return 0;
      }
      io.out(`${info.app} ${info.version}`);
      io.out(`data dir:   ${info.dataDir}`);
      io.out(`database:   ${info.dbPath} (SQLite ${info.sqliteVersion})`);
      io.out(`node:       ${info.node} (${info.platform})`);
      io.out(
        `providers:  ${info.executionProviders.map((p) => `${p.name}${p.available ? '' : ' (not installed)'}`).join(', ')}`,
      );
      io.out(`in use:     ${info.activeProvider}`);
      return 0;
    },
  },
  {
    name: 'host',
    transport: 'http',
    usage: 'safeedit host [--port N] [--host ADDR] [--allow-remote]',
    summary: 'serve the workbench UI and API on loopback with a per-start token',
    options: { port: { type: 'string' }, host: { type: 'string' }, 'allow-remote': { type: 'boolean' } },
    async run(args, ctx, io) {
      const port = args.values.port === undefined ? 0 : Number(args.values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        io.err(`error: --port must be an integer 0..65535 (got ${String(args.values.port)})`);
        return 2;
      }
      const host = await startHost(ctx, {
        port,
        host: (args.values.host as string | undefined) ?? '127.0.0.1',
        allowRemote: Boolean(args.values['allow-remote']),
      });
      io.err(`SafeEdit Workbench host, data dir ${ctx.dataDir}`);
      io.out(host.url);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await host.close();
      return 0;
    },
  },
  {
    name: 'jobs list',
    usage: 'safeedit jobs list [--json]',
    summary: 'recent jobs and their state',
    options: { json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const jobs = await call(ctx, 'jobs.list', {});
      if (args.values.json) io.out(JSON.stringify(jobs, null, 2));
      else for (const j of jobs) io.out(`${j.id}  ${j.status.padEnd(11)} ${(j.progress * 100).toFixed(0).padStart(3)}%  ${j.title}`);
      return 0;
    },
  },
  {
    name: 'diagnostics',
    usage: 'safeedit diagnostics [--steps N] [--step-ms N] [--json]',
    summary: 'run the diagnostics job (float32 matmul timing in a worker)',
    options: { steps: { type: 'string' }, 'step-ms': { type: 'string' }, json: { type: 'boolean' } },
    async run(args, ctx, io) {
      const job = await call(ctx, 'jobs.startDiagnostics', {
        steps: args.values.steps ? Number(args.values.steps) : 10,
        stepMs: args.values['step-ms'] ? Number(args.values['step-ms']) : 50,
      });
      const done = await followJob(ctx, job, io);
      io.out(args.values.json ? JSON.stringify(done.result) : `done: ${JSON.stringify(done.result)}`);
      return 0;
    },
  },
];
