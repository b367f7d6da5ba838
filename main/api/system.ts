import type { HandlersFor } from './types';
import path from 'node:path';
import { DB_FILE, sqliteVersion } from '../store/db';
import { APP_NAME, APP_VERSION } from '../util/version';
import { listProviders, chooseProvider } from '../engine/runtime/providers';
import { getSettings, setSettings } from '../settings';
import { loadedProvider } from '../engine/runtime/manager';

export const systemHandlers: HandlersFor<'system.info' | 'settings.get' | 'settings.set'> = {
  'system.info': (_input, ctx) => {
    const providers = listProviders();
    return {
      app: APP_NAME,
      version: APP_VERSION,
      dataDir: ctx.dataDir,
      dbPath: path.join(ctx.dataDir, DB_FILE),
      sqliteVersion: sqliteVersion(ctx.db),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      transport: ctx.transport,
      executionProviders: providers,
      activeProvider: loadedProvider(ctx.dataDir) ?? chooseProvider(getSettings(ctx.db).providerPreference, providers).name,
    };
  },
  'settings.get': (_input, ctx) => getSettings(ctx.db),
  'settings.set': (input, ctx) => setSettings(ctx.db, input),
};
