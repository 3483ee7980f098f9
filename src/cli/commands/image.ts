import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { readSettings } from '../settings.js';
import { line } from '../output.js';
import { commandLifecycle } from '../lifecycle.js';
import { connectFromSettings } from '../engine.js';
import { buildBaseImage, DEFAULT_BASE_IMAGE } from '../../image/base-image.js';
import { findDebianMirror } from '../../image/debian-mirror.js';
import { ExitCodes } from '../../exit-codes.js';

/** Registers `ccbox image base`: a Debian base image from a mirror, for hosts without a registry. */
export function registerImage(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const image = program.command('image').description('Build the images ccbox needs without a registry');
  image
    .command('base')
    .description('Build a Debian base image from a mirror with debootstrap (needs root)')
    .option('--mirror <url>', 'Debian archive (default: CCBOX_DEBIAN_MIRROR, then the host apt sources)')
    .option('--suite <name>', 'Debian suite', 'bookworm')
    .option('--tag <tag>', 'image tag', DEFAULT_BASE_IMAGE)
    .option('--if-missing', 'do nothing when the tag already exists')
    .action(async (opts: { mirror?: string; suite: string; tag: string; ifMissing?: boolean }) => {
      const settings = readSettings(ctx);
      using life = commandLifecycle(ctx.lifecycle, [ctx.stdout, ctx.stderr]);
      const engine = await connectFromSettings(settings);
      if (opts.ifMissing && (await engine.imageExists(opts.tag))) {
        line(ctx.stderr, `${opts.tag} already exists`);
        done(ExitCodes.ok);
        return;
      }
      const choice = await findDebianMirror({
        suite: opts.suite,
        override: opts.mirror ?? settings.debianMirror,
      });
      line(ctx.stderr, `mirror ${choice.mirror} (${choice.origin}${choice.file ? `: ${choice.file}` : ''})`);
      const started = Date.now();
      const result = await buildBaseImage({
        engine,
        mirror: choice.mirror,
        suite: opts.suite,
        tag: opts.tag,
        signal: life.signal,
        onLog: (l) => line(ctx.stderr, `  ${l}`),
      });
      line(
        ctx.stderr,
        `built ${result.tag} (${result.imageId.slice(0, 19)}) in ${((Date.now() - started) / 1000).toFixed(1)}s`,
      );
      line(ctx.stdout, result.tag);
      done(ExitCodes.ok);
    });
}
