import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../../src/paths.js';
import type { LoadOptions } from '../../../src/profile/load.js';

export const BUILTINS = ['ci-headless', 'low-risk', 'privileged-infra', 'production-adjacent', 'regulated'];

/** Load options pinned to a fixed day and a fake home, so results never depend on the machine. */
export function loadOptions(cwd = process.cwd(), today = '2026-11-27'): LoadOptions {
  return { builtinDir: path.join(packageRoot(), 'profiles'), cwd, home: '/home/tester', today };
}

/** Writes profile files into a fresh temp dir; returns the dir. */
export function writeProfiles(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-profile-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}
