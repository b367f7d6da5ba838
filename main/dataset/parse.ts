// Streaming reader for a top-level JSON array: splits it into element texts without holding the whole file,
// so a 15 MB file or 50 MB of junk costs one element of memory at a time, and every problem has a record index.
import fs from 'node:fs';

export interface ArrayElement {
  index: number;
  /** the element's JSON text */
  text: string;
}

/** A problem that stops reading the file (index: the element being read, or null when outside any). */
export class StructureError extends Error {
  constructor(
    message: string,
    readonly index: number | null,
  ) {
    super(message);
  }
}

/** Longest element accepted, in characters (a SafeEdit record is a few KB). */
export const MAX_ELEMENT_CHARS = 4 * 1024 * 1024;
const CHUNK = 256 * 1024;

/** Offset of the first byte that breaks UTF-8 in buf (or -1). Handles sequences cut at the end when final=false. */
export function firstInvalidUtf8(buf: Uint8Array, final: boolean): number {
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800);
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    if (i + need >= n) {
      // the sequence runs past the buffer: invalid when final, else valid so far if the bytes present continue it
      if (final) return i;
      for (let k = i + 1; k < n; k++) if ((buf[k] & 0xc0) !== 0x80) return i;
      return -1;
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code >= 0x20 && code < 0x7f ? `'${c}'` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Incremental splitter: feed() text, receive each complete element of the top-level array. Throws
 * StructureError on anything that is not an array of balanced JSON values.
 */
export class ArraySplitter {
  private phase: 'start' | 'value-or-end' | 'value' | 'in-value' | 'done' = 'start';
  private stack: string[] = [];
  private inString = false;
  private escape = false;
  private parts: string[] = [];
  private size = 0;
  private index = 0;
  private offset = 0;

  constructor(private onElement: (e: ArrayElement) => void) {}

  /** The index of the element being read now (for errors found outside the splitter). */
  get currentIndex(): number | null {
    return this.phase === 'start' || this.phase === 'done' ? null : this.index;
  }

  feed(text: string): void {
    let segStart = -1;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text[i];
      switch (this.phase) {
        case 'in-value': {
          if (this.inString) {
            if (this.escape) this.escape = false;
            else if (c === '\\') this.escape = true;
            else if (c === '"') this.inString = false;
            continue;
          }
          if (c === '"') {
            this.inString = true;
            continue;
          }
          if (c === '{' || c === '[') {
            this.stack.push(c);
            continue;
          }
          if (c === '}' || c === ']') {
            if (this.stack.length === 0) {
              if (c === ']') {
                this.emit(text, segStart, i);
                segStart = -1;
                this.phase = 'done';
                continue;
              }
              throw new StructureError(`unexpected '}' at character ${this.offset + i}`, this.index);
            }
            const open = this.stack.pop();
            if ((open === '{') !== (c === '}')) throw new StructureError(`mismatched '${c}' at character ${this.offset + i} (opened with '${open}')`, this.index);
            continue;
          }
          if (c === ',' && this.stack.length === 0) {
            this.emit(text, segStart, i);
            segStart = -1;
            this.phase = 'value';
          }
          continue;
        }
        case 'start':
          if (c === '\ufeff' && this.offset + i === 0) continue;
          if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
          if (c !== '[') throw new StructureError(`the top level must be a JSON array of records, but the file starts with ${describeChar(c)}`, null);
          this.phase = 'value-or-end';
          continue;
        case 'value-or-end':
        case 'value':
          if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
          if (c === ']') {
            if (this.phase === 'value') throw new StructureError(`trailing comma before ']' after record ${this.index - 1}`, this.index);
            this.phase = 'done';
            continue;
          }
          if (c === ',') throw new StructureError(`empty element (two commas) at record ${this.index}`, this.index);
          this.phase = 'in-value';
          segStart = i;
          this.size = 0;
          this.parts = [];
          i--; // re-read this character inside the value
          continue;
        case 'done':
          if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
          throw new StructureError(`unexpected ${describeChar(c)} after the end of the top-level array`, null);
      }
    }
    if (this.phase === 'in-value') {
      const s = segStart >= 0 ? text.slice(segStart) : text;
      this.size += s.length;
      if (this.size > MAX_ELEMENT_CHARS) {
        throw new StructureError(`record ${this.index} is longer than ${MAX_ELEMENT_CHARS} characters; this is not a SafeEdit record`, this.index);
      }
      this.parts.push(s);
    }
    this.offset += n;
  }

  private emit(text: string, segStart: number, end: number) {
    const tail = segStart >= 0 ? text.slice(segStart, end) : text.slice(0, end);
    this.parts.push(tail);
    const t = this.parts.join('');
    this.parts = [];
    this.size = 0;
    const trimmed = t.trim();
    this.onElement({ index: this.index, text: trimmed });
    this.index++;
  }

  /** Call at end of input. */
  end(): void {
    if (this.phase === 'start') throw new StructureError('the file is empty (expected a JSON array of records)', null);
    if (this.phase !== 'done') {
      const where = this.phase === 'in-value' ? `inside record ${this.index}` : `after record ${this.index - 1}`;
      throw new StructureError(`the file ends ${where}: truncated JSON (no closing ']')`, this.phase === 'in-value' ? this.index : null);
    }
  }
}

/**
 * Reads a file as UTF-8 in chunks, calling onElement for each array element. Invalid UTF-8 and structural
 * problems throw StructureError with the byte offset or record index. Returns the file size.
 */
export async function readArrayFile(file: string, onElement: (e: ArrayElement) => void, onBytes?: (chunk: Buffer) => void): Promise<number> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const splitter = new ArraySplitter(onElement);
  let bytes = 0;
  const stream = fs.createReadStream(file, { highWaterMark: CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      onBytes?.(chunk);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        const at = firstInvalidUtf8(chunk, false);
        const where = splitter.currentIndex === null ? '' : ` (inside record ${splitter.currentIndex})`;
        throw new StructureError(`invalid UTF-8 at byte ${bytes + Math.max(0, at)}${where}; SafeEdit files are UTF-8 JSON`, splitter.currentIndex);
      }
      bytes += chunk.length;
      splitter.feed(text);
    }
    try {
      splitter.feed(decoder.decode());
    } catch {
      throw new StructureError(`invalid UTF-8 at the end of the file (a multi-byte character is cut off)`, splitter.currentIndex);
    }
    splitter.end();
  } finally {
    stream.destroy();
  }
  return bytes;
}
