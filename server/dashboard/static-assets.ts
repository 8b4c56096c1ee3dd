// The dashboard's static files (CSS, vendored htmx, small scripts) under a prefix that names
// their content: a change of any file changes the prefix, so browsers may cache them forever.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATIC_ROOT = fileURLToPath(new URL('./static/', import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

function contentVersion(): string {
  const hash = createHash('sha256');
  for (const file of listFiles(STATIC_ROOT)) hash.update(relative(STATIC_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 12);
}

export const ASSET_VERSION = contentVersion();
/** e.g. /static/3f2a9c1b0d4e/ */
export const STATIC_PREFIX = `/static/${ASSET_VERSION}/`;

/** The URL of a static file, e.g. asset('dashboard.css'). */
export const asset = (path: string): string => `${STATIC_PREFIX}${path}`;
