// The thin Electron shell: the only file in main/ that imports electron. Window, IPC binding, pickers, menu.
import { app, BrowserWindow, ipcMain, dialog, Menu, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, type AppContext } from '../context';
import { dispatch } from '../api/index';
import { CSP } from '../host/server';
import '../register';

const here = path.dirname(fileURLToPath(import.meta.url));
let ctx: AppContext | null = null;
let win: BrowserWindow | null = null;

async function createWindow() {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'SafeEdit Workbench',
    backgroundColor: '#14161a',
    webPreferences: {
      preload: path.join(here, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  // Block every navigation away from the app and every new window; external links open in the browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  await win.loadFile(path.join(here, '../renderer/index.html'));
}

app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  ctx = await createContext({ transport: 'electron' });
  ctx.events.subscribe((e) => win?.webContents.send('safeedit:event', e));
  ipcMain.handle('safeedit:invoke', (_e, name: unknown, input: unknown) =>
    typeof name === 'string' ? dispatch(ctx!, name, input) : { ok: false, error: { code: 'invalid_input', message: 'request name must be a string' } },
  );
  ipcMain.handle('safeedit:pickFolder', async (_e, title: unknown) => {
    const r = await dialog.showOpenDialog(win!, { title: typeof title === 'string' ? title : 'Choose a folder', properties: ['openDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  ipcMain.handle('safeedit:pickFiles', async (_e, opts: unknown) => {
    const o = (opts && typeof opts === 'object' ? opts : {}) as { title?: string; extensions?: string[]; multiple?: boolean };
    const r = await dialog.showOpenDialog(win!, {
      title: typeof o.title === 'string' ? o.title : 'Choose files',
      properties: o.multiple ? ['openFile', 'multiSelections'] : ['openFile'],
      filters: Array.isArray(o.extensions) ? [{ name: 'Files', extensions: o.extensions.filter((x) => typeof x === 'string') }] : undefined,
    });
    return r.canceled ? [] : r.filePaths;
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
  await createWindow();
});

app.on('window-all-closed', async () => {
  await ctx?.close();
  app.quit();
});
