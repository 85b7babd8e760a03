import { randomBytes } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

/**
 * Runs `write` against a temporary sibling of `file` and renames it over `file`
 * only once it is complete, so a download never sees half a file and a retried
 * job simply replaces the previous attempt. On failure the temporary file is
 * removed and the error rethrown.
 */
export async function writeAtomically<T>(
  file: string,
  write: (partialFile: string) => Promise<T>,
): Promise<T> {
  const partialFile = `${file}.${randomBytes(4).toString('hex')}.partial`;
  try {
    const result = await write(partialFile);
    await rename(partialFile, file);
    return result;
  } catch (error) {
    await rm(partialFile, { force: true });
    throw error;
  }
}

/**
 * Abandons a file stream and waits until its descriptor is closed. A stream destroyed
 * before its file is open still opens (and so creates) the file afterwards; removing the
 * file before that moment would leave it behind.
 */
export async function discardStream(out: WriteStream): Promise<void> {
  out.destroy();
  await finished(out).catch(() => undefined);
}
