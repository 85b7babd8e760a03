/**
 * A crude reader for the uncompressed PDFs pdfkit writes with `compress: false`:
 * enough to list the text of each `TJ` operator and count pages. pdfkit writes
 * embedded-font text as glyph ids, so each font's ToUnicode map is read to turn
 * them back into characters.
 */

interface PdfObject {
  readonly dict: string;
  readonly stream: string | null;
}

export interface PdfContent {
  /** The text of every `TJ`, in drawing order, all pages together. */
  readonly texts: string[];
  readonly pageCount: number;
}

export function readPdf(bytes: Buffer): PdfContent {
  const objects = parseObjects(bytes.toString('latin1'));
  const fonts = fontMaps(objects);
  const texts: string[] = [];
  for (const object of objects.values()) {
    if (object.stream && /\bTJ\b/.test(object.stream))
      texts.push(...showText(object.stream, fonts));
  }
  const pageCount = [...objects.values()].filter((o) => /\/Type \/Page\b(?!s)/.test(o.dict)).length;
  return { texts, pageCount };
}

function parseObjects(text: string): Map<number, PdfObject> {
  const objects = new Map<number, PdfObject>();
  const start = /(\d+) 0 obj\n/g;
  let match: RegExpExecArray | null;
  while ((match = start.exec(text)) !== null) {
    const bodyStart = start.lastIndex;
    const streamAt = text.indexOf('\nstream\n', bodyStart);
    const endAt = text.indexOf('\nendobj', bodyStart);
    if (streamAt === -1 || streamAt > endAt) {
      objects.set(Number(match[1]), { dict: text.slice(bodyStart, endAt), stream: null });
      start.lastIndex = endAt;
      continue;
    }
    const dict = text.slice(bodyStart, streamAt);
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1] ?? 0);
    const dataStart = streamAt + '\nstream\n'.length;
    objects.set(Number(match[1]), { dict, stream: text.slice(dataStart, dataStart + length) });
    // Skip the stream's bytes: binary font data may contain anything.
    start.lastIndex = text.indexOf('\nendobj', dataStart + length);
  }
  return objects;
}

/** Font resource name (`F1`) → glyph id → text. */
function fontMaps(objects: Map<number, PdfObject>): Map<string, Map<number, string>> {
  const maps = new Map<string, Map<number, string>>();
  for (const object of objects.values()) {
    for (const [, name, ref] of object.dict.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
      const font = objects.get(Number(ref));
      const cmapRef = font && /\/ToUnicode (\d+) 0 R/.exec(font.dict)?.[1];
      const cmap = cmapRef ? objects.get(Number(cmapRef))?.stream : null;
      if (name && cmap) maps.set(name, parseCmap(cmap));
    }
  }
  return maps;
}

function parseCmap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const [, first, , entries] of cmap.matchAll(
    /<([0-9a-f]{4})> <([0-9a-f]{4})> \[([^\]]*)\]/gi,
  )) {
    let code = parseInt(first ?? '0', 16);
    for (const [, hex] of (entries ?? '').matchAll(/<([^>]*)>/g)) {
      const units = (hex ?? '').split(' ').map((unit) => parseInt(unit, 16));
      map.set(code, String.fromCharCode(...units));
      code += 1;
    }
  }
  return map;
}

function showText(content: string, fonts: Map<string, Map<number, string>>): string[] {
  const texts: string[] = [];
  let font = new Map<number, string>();
  for (const [, name, array] of content.matchAll(/\/(F\d+) [\d.]+ Tf|\[([^\]]*)\] TJ/g)) {
    if (name) {
      font = fonts.get(name) ?? new Map<number, string>();
      continue;
    }
    const glyphs = [...(array ?? '').matchAll(/<([0-9a-f]*)>/gi)].map(([, hex]) => hex ?? '');
    const codes = glyphs.join('').match(/.{4}/g) ?? [];
    texts.push(codes.map((code) => font.get(parseInt(code, 16)) ?? '?').join(''));
  }
  return texts;
}
