import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'SafeEdit Workbench';

/** Data directory: $SAFEEDIT_DATA_DIR, else the platform's application-data folder. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SAFEEDIT_DATA_DIR;
  if (fromEnv && fromEnv.trim()) return path.resolve(fromEnv);
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
    default:
      return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'safeedit-workbench');
  }
}
