import fs from 'node:fs';
import path from 'node:path';

/** The version in package.json: there is no build step that could stamp it elsewhere. */
export function omaumVersion(): string {
  const file = path.join(import.meta.dirname, '..', '..', 'package.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
