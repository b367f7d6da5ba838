// Renders a chart tree from shared/charts.ts as React SVG elements (the HTML export serialises the same tree).
import { createElement, type ReactNode } from 'react';
import type { SvgNode } from '../../../../shared/charts';

function reactAttrs(attrs: SvgNode['attrs']): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k.startsWith('data-') || k.startsWith('aria-') || k === 'xmlns' ? k : k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  return out;
}

function toReact(n: SvgNode, key?: number): ReactNode {
  return createElement(n.tag, { key, ...reactAttrs(n.attrs) }, n.text, ...(n.children ?? []).map((c, i) => toReact(c, i)));
}

export function Svg({ node }: { node: SvgNode }) {
  return <>{toReact(node)}</>;
}
