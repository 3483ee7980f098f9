import type { Readable } from 'node:stream';
import type { Labels } from './labels.js';

/** Images as the session layer sees them: build contexts and options, imports, summaries. */

/** One file of a build context: inline content, or a host file streamed into the context. */
export type BuildContextEntry =
  | { path: string; content: Buffer | string; mode?: number }
  | { path: string; hostPath: string; mode?: number };

export interface BuildProgress {
  /** `step`: a `Step N/M : …` line; `log`: build output; `pull-blocked`: ccbox refused a registry pull. */
  kind: 'step' | 'log' | 'pull-blocked';
  text: string;
}

export interface BuildImageOptions {
  context: readonly BuildContextEntry[];
  /** Path of the Dockerfile inside the context; default `Dockerfile`. */
  dockerfile?: string;
  tag: string;
  /** Visible in the image history: never pass secrets here. */
  buildArgs?: Readonly<Record<string, string>>;
  labels?: Labels;
  noCache?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: BuildProgress) => void;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  created: string;
  sizeBytes: number;
}

/** An image as listed, and whether any container (running or not) was created from it. */
export interface ListedImage extends ImageSummary {
  inUse: boolean;
}

/** A root filesystem to import: a host directory (packed as a tar by the adapter) or a tar stream. */
export type RootfsSource = { directory: string } | { tar: Readable };

export interface ImportRootfsOptions {
  source: RootfsSource;
  tag: string;
  labels?: Labels;
  /** Image config for the imported image, e.g. `CMD ["/bin/bash"]` (Dockerfile syntax, as `docker import --change`). */
  changes?: readonly string[];
  signal?: AbortSignal;
}
