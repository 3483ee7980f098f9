/** A problem found before its line number is known; the loader attaches file and line. */
export interface RawIssue {
  severity: 'error' | 'warning';
  path: readonly PropertyKey[];
  message: string;
  found?: string;
  allowed?: string;
}

export const error = (
  path: readonly PropertyKey[],
  message: string,
  extra: Partial<RawIssue> = {},
): RawIssue => ({
  severity: 'error',
  path,
  message,
  ...extra,
});

export const warning = (
  path: readonly PropertyKey[],
  message: string,
  extra: Partial<RawIssue> = {},
): RawIssue => ({
  severity: 'warning',
  path,
  message,
  ...extra,
});
