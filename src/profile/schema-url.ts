import { z } from 'zod';

/**
 * URL fields of the profile format. Why no userinfo anywhere: `user:password@host` in a profile ends up
 * in files the agent can read (managed settings, OTEL_EXPORTER_OTLP_ENDPOINT) and in `profiles diff`
 * output; secrets reach a session only through `credentials:`.
 */
export const USERINFO_MESSAGE =
  'carries credentials in the URL (user:password@); name the host only and hand secrets in through credentials:';

// A `scheme://` authority holding `@`. A regex (not a refinement) so the JSON Schema carries it too.
const NO_USERINFO = /^(?![A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@)/;
const NO_WILDCARD = /^[^*]*$/;

/** Whether a URL or URL pattern names a user (and maybe a password) before its host. */
export function hasUserinfo(text: string): boolean {
  return !NO_USERINFO.test(text);
}

/** An exact http(s) URL: no userinfo, no `*` anywhere. */
export const ExactUrl = z
  .url({ protocol: /^https?$/ })
  .regex(NO_USERINFO, { message: USERINFO_MESSAGE })
  .regex(NO_WILDCARD, { message: 'must be an exact URL: `*` is not allowed anywhere in it' });

/** Any URL without userinfo. */
export const PlainUrl = z.url().regex(NO_USERINFO, { message: USERINFO_MESSAGE });

/** A URL pattern (`*` allowed) without userinfo. */
export const UrlPattern = z.string().min(1).regex(NO_USERINFO, { message: USERINFO_MESSAGE });
