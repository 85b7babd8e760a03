/**
 * The frame every PDF export shares: A4 landscape, the embedded DejaVu Sans
 * (the PDF standard fonts have no reliable accents), and a footer on every page
 * with the generated date and "Página n de m".
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import PDFDocument from 'pdfkit';

import type { PdfExportOptions } from './export-types.ts';
import { generatedOn } from './generated-on.ts';
import { discardStream, writeAtomically } from './output-file.ts';

export type Pdf = PDFDocument;

export const REGULAR = 'DejaVuSans';
export const BOLD = 'DejaVuSans-Bold';

/** Page margin, in points (about 1 cm). */
export const MARGIN = 28;
/** Room kept free above the bottom margin for the footer, in points. */
export const FOOTER_SPACE = 14;

const FONT_FILES: Record<string, string> = {
  [REGULAR]: fileURLToPath(new URL('./fonts/DejaVuSans.ttf', import.meta.url)),
  [BOLD]: fileURLToPath(new URL('./fonts/DejaVuSans-Bold.ttf', import.meta.url)),
};

export interface PdfSpec {
  /** Document title (metadata and footer). */
  readonly title: string;
  /** Draws every page; the footer is added afterwards. */
  readonly draw: (doc: Pdf) => Promise<void>;
}

/**
 * Creates the document, lets `spec.draw` fill it, numbers the pages and writes
 * it to `file` atomically. Rejects (leaving no file) when drawing fails.
 */
export async function writePdf(
  file: string,
  spec: PdfSpec,
  options: PdfExportOptions = {},
): Promise<void> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    // Pages stay in memory until the end so the footer can say how many there are.
    bufferPages: true,
    compress: options.compress ?? true,
    lang: 'pt-BR',
    info: {
      Title: spec.title,
      Author: 'OMAUM',
      Creator: 'OMAUM',
      CreationDate: options.generatedAt ?? new Date(),
    },
  });
  for (const [name, path] of Object.entries(FONT_FILES)) doc.registerFont(name, path);
  doc.font(REGULAR);

  await writeAtomically(file, async (partialFile) => {
    const out = createWriteStream(partialFile);
    doc.pipe(out);
    try {
      await spec.draw(doc);
      addFooters(doc, spec.title, generatedOn(options));
    } catch (error) {
      await discardStream(out);
      throw error;
    }
    doc.end();
    await finished(out);
  });
}

function addFooters(doc: Pdf, title: string, generated: string): void {
  const { start, count } = doc.bufferedPageRange();
  for (let index = start; index < start + count; index += 1) {
    doc.switchToPage(index);
    const { margins } = doc.page;
    const bottom = margins.bottom;
    // Text below the bottom margin would make pdfkit open a new page.
    margins.bottom = 0;
    const y = doc.page.height - MARGIN - 8;
    const width = doc.page.width - 2 * MARGIN;
    doc.font(REGULAR).fontSize(7).fillColor('#555555');
    doc.text(`Gerado em ${generated}`, MARGIN, y, { width, align: 'left', lineBreak: false });
    doc.text(title, MARGIN, y, { width, align: 'center', lineBreak: false });
    doc.text(`Página ${index - start + 1} de ${count}`, MARGIN, y, {
      width,
      align: 'right',
      lineBreak: false,
    });
    margins.bottom = bottom;
  }
  doc.fillColor('#000000');
}

/** The lowest y a table row may reach on the current page. */
export function contentBottom(doc: Pdf): number {
  return doc.page.height - doc.page.margins.bottom - FOOTER_SPACE;
}

export function contentWidth(doc: Pdf): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** `text` shortened with an ellipsis until it fits `width` at the current font and size. */
export function fitText(doc: Pdf, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let end = text.length;
  while (end > 0 && doc.widthOfString(`${text.slice(0, end)}…`) > width) end -= 1;
  return end > 0 ? `${text.slice(0, end)}…` : '';
}
