/**
 * Cell styles of the sheet workbook. Each call returns a fresh object: exceljs
 * keeps a reference to what a cell is given, and shared objects would let one
 * cell's change leak into others.
 */
import type { Borders, Style } from 'exceljs';

// Excel's own "light red fill with dark red text" preset, which users recognise.
const SHORTFALL_FILL = 'FFFFC7CE';
const SHORTFALL_TEXT = 'FF9C0006';
const HEADER_FILL = 'FFD9D9D9';
const GREY_TEXT = 'FF808080';

function thinBorders(): Partial<Borders> {
  const thin = { style: 'thin' as const };
  return { top: thin, left: thin, bottom: thin, right: thin };
}

function solidFill(argb: string): Style['fill'] {
  return { type: 'pattern', pattern: 'solid', fgColor: { argb } };
}

function greyFont(grey: boolean): Style['font'] {
  return grey ? { italic: true, color: { argb: GREY_TEXT } } : {};
}

export function title(): Partial<Style> {
  return { font: { bold: true, size: 14 } };
}

export function bold(): Partial<Style> {
  return { font: { bold: true } };
}

export function note(): Partial<Style> {
  return { font: { italic: true, size: 9 } };
}

export function header(): Partial<Style> {
  return {
    font: { bold: true },
    fill: solidFill(HEADER_FILL),
    alignment: { horizontal: 'center', vertical: 'middle' },
    border: thinBorders(),
  };
}

export function name(grey: boolean): Partial<Style> {
  return { font: greyFont(grey), border: thinBorders() };
}

export function count(grey: boolean): Partial<Style> {
  return {
    numFmt: '0',
    font: greyFont(grey),
    alignment: { horizontal: 'center' },
    border: thinBorders(),
  };
}

export function pct(grey: boolean, isShortfall: boolean): Partial<Style> {
  const style: Partial<Style> = { ...count(grey), numFmt: '0%' };
  if (!isShortfall) return style;
  return {
    ...style,
    fill: solidFill(SHORTFALL_FILL),
    font: { ...greyFont(grey), color: { argb: SHORTFALL_TEXT } },
  };
}

/** `Car`: bold dark red when the student is not cleared, as the page marks it. */
export function shortfallCount(grey: boolean, isNotCleared: boolean): Partial<Style> {
  const style = count(grey);
  if (!isNotCleared) return style;
  return { ...style, font: { ...greyFont(grey), bold: true, color: { argb: SHORTFALL_TEXT } } };
}
