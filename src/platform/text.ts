/** Lower-case and without accents: how names are compared and searched. */
export function searchKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Trims a free-text field; blank becomes null. */
export function blankToNull(text: string | null | undefined): string | null {
  if (text === undefined || text === null) return null;
  const trimmed = text.trim();
  return trimmed === '' ? null : trimmed;
}
