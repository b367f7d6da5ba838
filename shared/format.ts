// Number formatting shared by the CLI and the renderer.

/** 1536 → "1.5 KB" (powers of 1024). */
export function fmtBytes(n: number): string {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

/** 494_032_768 → "494.0M"; `sep` goes between number and unit (the UI uses a space). */
export function fmtParams(n: number, sep = ''): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}${sep}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}${sep}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}${sep}K` : String(n);
}
