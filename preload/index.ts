// Sandboxed preload: exposes exactly the SafeEditBridge contract, nothing of Node or Electron.
import { contextBridge, ipcRenderer } from 'electron';
import type { Envelope, SafeEditBridge } from '../shared/contract';
import type { AppEvent } from '../shared/events';

const bridge = {
  transport: 'electron',
  async invoke(name, input) {
    const env = (await ipcRenderer.invoke('safeedit:invoke', name, input)) as Envelope<never>;
    if (env.ok) return env.result;
    throw Object.assign(new Error(env.error.message), { code: env.error.code, details: env.error.details });
  },
  onEvent(listener) {
    const h = (_e: unknown, ev: AppEvent) => listener(ev);
    ipcRenderer.on('safeedit:event', h);
    return () => {
      ipcRenderer.removeListener('safeedit:event', h);
    };
  },
  pickers: {
    folder: (title) => ipcRenderer.invoke('safeedit:pickFolder', title) as Promise<string | null>,
    files: (options) => ipcRenderer.invoke('safeedit:pickFiles', options) as Promise<string[]>,
  },
} satisfies SafeEditBridge;

contextBridge.exposeInMainWorld('safeedit', bridge);
