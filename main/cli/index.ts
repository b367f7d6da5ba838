import { parseArgs } from 'node:util';
import type { CliCommand, CliIO } from './types';
import { createContext } from '../context';
import { systemCommands } from './commands/system';
import { datasetCommands } from './commands/dataset';
import { engineCommands } from './commands/engine';
import { modelsCommands } from './commands/models';
import { evalCommands } from './commands/eval';
import { runsCommands } from './commands/runs';
import { editCommands } from './commands/edit';
import { demoCommands } from './commands/demo';
import { AppError } from '../../shared/errors';
import { APP_VERSION } from '../util/version';
import '../register';

/** Every CLI command; domains append theirs (one line each). */
export const commands: CliCommand[] = [...systemCommands, ...datasetCommands, ...engineCommands, ...modelsCommands, ...evalCommands, ...runsCommands, ...editCommands, ...demoCommands];

function help(io: CliIO) {
  io.out(`safeedit ${APP_VERSION} — SafeEdit Workbench command line\n\nUsage:`);
  for (const c of commands) io.out(`  ${c.usage.padEnd(64)} ${c.summary}`);
  io.out('\nEnvironment: SAFEEDIT_DATA_DIR sets the data directory.');
}

export async function runCli(argv: string[], io: CliIO = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    help(io);
    return 0;
  }
  if (argv[0] === '--version') {
    io.out(APP_VERSION);
    return 0;
  }
  // Longest command name that prefixes argv.
  let cmd: CliCommand | undefined;
  let words = 0;
  for (const c of commands) {
    const w = c.name.split(' ');
    if (w.length > words && w.every((x, i) => argv[i] === x)) {
      cmd = c;
      words = w.length;
    }
  }
  if (!cmd) {
    io.err(`error: unknown command '${argv.slice(0, 2).join(' ')}'. Run 'safeedit --help'.`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(words), options: cmd.options ?? {}, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    io.err(`error: ${(e as Error).message}\nusage: ${cmd.usage}`);
    return 2;
  }
  let ctx;
  try {
    ctx = await createContext({ transport: cmd.transport ?? 'cli' });
  } catch (e) {
    io.err(`error: could not open the data dir: ${(e as Error).message}`);
    return 1;
  }
  try {
    return await cmd.run(parsed as Parameters<CliCommand['run']>[0], ctx, io);
  } catch (e) {
    const code = e instanceof AppError ? e.code : 'internal';
    io.err(`error: ${(e as Error).message}`);
    if (process.env.SAFEEDIT_DEBUG && e instanceof Error) io.err(e.stack ?? '');
    return code === 'invalid_input' || code === 'usage' ? 2 : 1;
  } finally {
    await ctx.close();
  }
}

export async function main() {
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
}
