import type { ReactNode } from 'react';

/** Words of a search, as the server tokenises them (letters, digits, underscore). */
export function terms(q: string): string[] {
  return (q.match(/[\p{L}\p{N}_]+/gu) ?? []).slice(0, 16);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Text with every word that starts with a search term wrapped in <mark> (prefix match, like the index). */
export function Highlight({ text, q }: { text: string; q: string }): ReactNode {
  const t = terms(q);
  if (!t.length || !text) return text;
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${t.map(escapeRe).join('|')})[\\p{L}\\p{N}_]*`, 'giu');
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(<mark key={m.index}>{m[0]}</mark>);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** A server snippet: matches between \u0002 and \u0003. */
export function Snippet({ text }: { text: string }): ReactNode {
  const parts = text.split(/[\u0002\u0003]/);
  return parts.map((p, i) => (i % 2 ? <mark key={i}>{p}</mark> : p.replace(/\s+/g, ' ')));
}
