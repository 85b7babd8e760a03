/**
 * Port job ids are free text (`export:42`, `42`), but BullMQ refuses custom
 * ids that parse as integers and ids with colons (except its own three-part
 * `repeat:<scheduler>:<millis>` ids), and a colon in a scheduler id would
 * break the ids BullMQ derives from it. These functions escape just enough,
 * with `%XX` sequences, that every port id is a valid BullMQ id and the
 * mapping reverses exactly. Ids BullMQ produces itself pass through unchanged.
 */

function escapeChar(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

function unescape(text: string): string {
  return text.replace(/%([0-9A-F]{2})/g, (_match, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/** BullMQ allows a colon only in ids shaped like its scheduler ids. */
function colonsAllowed(id: string): boolean {
  return id.split(':').length === 3;
}

function looksLikeInteger(id: string): boolean {
  return String(parseInt(id, 10)) === id;
}

export function toBullmqJobId(id: string): string {
  // '%' is always escaped so that decoding never mistakes user text for an escape.
  let encoded = id.replace(/%/g, escapeChar);
  if (!colonsAllowed(encoded)) encoded = encoded.replace(/:/g, escapeChar);
  if (looksLikeInteger(encoded)) encoded = escapeChar(encoded.charAt(0)) + encoded.slice(1);
  return encoded;
}

export function fromBullmqJobId(id: string): string {
  return unescape(id);
}

/**
 * Scheduler ids end up inside the ids of the jobs they create, so they use
 * `~XX` escapes: those survive job-id decoding untouched, which keeps the ids
 * of scheduled jobs reversible too.
 */
export function toBullmqSchedulerId(id: string): string {
  return id.replace(/[~%:]/g, (char) => `~${escapeChar(char).slice(1)}`);
}

export function fromBullmqSchedulerId(id: string): string {
  return id.replace(/~([0-9A-F]{2})/g, (_match, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}
