import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SOURCE_ROOTS = ['app', 'components', 'lib', 'public', 'types', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json', 'tsconfig.json'];
const distDir = () => process.env.NEXT_DIST_DIR ?? '.next';
const fingerprintFile = () => path.join(distDir(), 'source-fingerprint');

function collect(entry: string, out: string[]): void {
  if (!fs.existsSync(entry)) return;
  const stat = fs.statSync(entry);
  if (stat.isDirectory()) {
    for (const child of fs.readdirSync(entry).sort()) collect(path.join(entry, child), out);
  } else {
    out.push(`${entry}:${stat.size}:${stat.mtimeMs}`);
  }
}

/** A cheap fingerprint of everything `next build` reads, to rebuild only when it changed. */
export function sourceFingerprint(): string {
  const entries: string[] = [];
  for (const root of SOURCE_ROOTS) collect(root, entries);
  return crypto.createHash('sha256').update(entries.join('\n')).digest('hex');
}

export function buildIsCurrent(): boolean {
  return fs.existsSync(path.join(distDir(), 'BUILD_ID')) && fs.existsSync(fingerprintFile()) && fs.readFileSync(fingerprintFile(), 'utf8') === sourceFingerprint();
}

export function markBuildCurrent(): void {
  fs.writeFileSync(fingerprintFile(), sourceFingerprint());
}
