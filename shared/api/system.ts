import { z } from 'zod';
import { def, Empty } from '../define';

export interface SystemInfo {
  app: string;
  version: string;
  dataDir: string;
  dbPath: string;
  sqliteVersion: string;
  node: string;
  platform: string;
  transport: 'electron' | 'http' | 'cli';
  executionProviders: { name: string; bundled: boolean; available: boolean }[];
  /** Provider that new sessions use (first available in preference order). */
  activeProvider: string;
}

export const Theme = z.enum(['dark', 'light', 'system']);
export const SettingsSchema = z.object({
  theme: Theme,
  blurUnsafe: z.boolean(),
  providerPreference: z.array(z.string().min(1).max(40)).max(10),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const systemApi = {
  'system.info': def(Empty).returns<SystemInfo>(),
  'settings.get': def(Empty).returns<Settings>(),
  'settings.set': def(SettingsSchema.partial().strict()).returns<Settings>(),
};
