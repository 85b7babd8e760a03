// pdfkit ships no types and @types/pdfkit is not installed (no `npm install` in this change):
// this declares only the part of pdfkit 0.17 that src/exports uses. Replace it with
// @types/pdfkit when that package is added.
declare module 'pdfkit' {
  import { Readable } from 'node:stream';

  namespace PDFKit {
    interface DocumentInfo {
      Title?: string;
      Author?: string;
      Subject?: string;
      Creator?: string;
      Producer?: string;
      CreationDate?: Date;
    }

    interface DocumentOptions {
      size?: string | [number, number];
      layout?: 'portrait' | 'landscape';
      margin?: number;
      bufferPages?: boolean;
      compress?: boolean;
      autoFirstPage?: boolean;
      lang?: string;
      info?: DocumentInfo;
    }

    interface TextOptions {
      width?: number;
      height?: number;
      align?: 'left' | 'center' | 'right' | 'justify';
      lineBreak?: boolean;
      ellipsis?: boolean | string;
    }

    interface Margins {
      top: number;
      bottom: number;
      left: number;
      right: number;
    }

    interface Page {
      readonly width: number;
      readonly height: number;
      margins: Margins;
    }
  }

  class PDFDocument extends Readable {
    constructor(options?: PDFKit.DocumentOptions);
    page: PDFKit.Page;
    x: number;
    y: number;
    registerFont(name: string, src: string | Buffer): this;
    font(name: string, size?: number): this;
    fontSize(size: number): this;
    text(text: string, x?: number, y?: number, options?: PDFKit.TextOptions): this;
    widthOfString(text: string, options?: PDFKit.TextOptions): number;
    currentLineHeight(includeGap?: boolean): number;
    fillColor(color: string): this;
    strokeColor(color: string): this;
    lineWidth(width: number): this;
    rect(x: number, y: number, width: number, height: number): this;
    moveTo(x: number, y: number): this;
    lineTo(x: number, y: number): this;
    fill(color?: string): this;
    stroke(color?: string): this;
    save(): this;
    restore(): this;
    addPage(options?: PDFKit.DocumentOptions): this;
    switchToPage(index: number): this;
    bufferedPageRange(): { start: number; count: number };
    end(): void;
  }

  export = PDFDocument;
}
