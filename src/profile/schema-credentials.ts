import { z } from 'zod';

/** The profile's `credentials:` section: where the model key comes from, what passes in, how long tokens live. */

// Why: names that look like secrets never pass through from the host; see validate-safety.ts.
export const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not an environment variable name' });

// Why at most a day: a credential handed into a session is short-lived by design.
const TtlMinutes = z
  .number()
  .int()
  .min(1)
  .max(24 * 60)
  .optional();

/** One extra credential (`credentials.secrets.NAME`): a host source, a lifetime, a destination. */
export const SecretCredential = z
  .strictObject({
    env: EnvName.optional().describe('Host environment variable holding the value.'),
    file: z.string().min(1).optional().describe('Host file holding the value (`~/` allowed), one line.'),
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Host command (argv, no shell) that prints the value, e.g. [gh, auth, token].'),
    ttlMinutes: TtlMinutes.describe(
      'How long the credential lives in the session; removed at expiry. Without it: the session.',
    ),
    deliver: z
      .enum(['file', 'header'])
      .describe(
        'file: a file on a tmpfs in the agent at /run/ccbox/credentials/NAME, removed at expiry. header: the gate adds it to requests the agent sends to http://gate:3131/NAME/HOST[:PORT]/PATH for the named origins; the agent never sees the value.',
      ),
    header: z
      .strictObject({
        name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'not a header name' }),
        format: z
          .string()
          .regex(/^[\x20-\x7e]*\{value\}[\x20-\x7e]*$/, { message: 'must contain {value} once, printable' })
          .optional()
          .describe('The header value, `{value}` replaced by the credential; default `Bearer {value}`.'),
      })
      .optional()
      .describe('deliver header: the header the gate adds.'),
    origins: z
      .array(
        z
          .string()
          .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/, { message: 'an origin: https://host[:port]' }),
      )
      .min(1)
      .optional()
      .describe(
        'deliver header: the only origins the gate sends it to (http:// sends it in clear; tests only).',
      ),
  })
  .describe('A credential handed into the session from the host; exactly one of env, file, command.');

export const CredentialsSection = z
  .strictObject({
    model: z
      .strictObject({
        source: z
          .enum(['env', 'file', 'command', 'none', 'oauth-token'])
          .describe(
            "Where the gate gets the model API key: a host environment variable, a file, a command that prints it (like apiKeyHelper), or none (a scripted or keyless endpoint). oauth-token: the user's own Claude subscription token (`claude setup-token`) goes into the agent for Claude Code itself (weaker: a hostile agent can read it); only a tier with allowOAuthToken may ask for it.",
          ),
        env: EnvName.optional().describe(
          'Host environment variable holding the key (read by ccbox, handed to the gate only); for oauth-token, the variable holding the subscription token (default CLAUDE_CODE_OAUTH_TOKEN).',
        ),
        file: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Host file holding the key (`~/` allowed); one line, read at session start, handed to the gate only.',
          ),
        command: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe(
            'Host command (argv, no shell) that prints the key, run at session start with a minimal environment and a 10 s limit.',
          ),
      })
      .optional()
      .describe(
        'The model credential. It lives in the gate; the agent never holds it (except with source oauth-token).',
      ),
    allowOAuthToken: z
      .boolean()
      .optional()
      .describe(
        'Whether a profile of this tier may use credentials.model.source oauth-token. Only low-risk allows it; a child may turn it off, never on.',
      ),
    secrets: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, { message: 'a lower-case name (it is a file name)' }),
        SecretCredential,
      )
      .optional()
      .describe('Extra credentials from the host, by name; each is an audit event when minted and revoked.'),
    requireTtl: z
      .boolean()
      .optional()
      .describe('Every credentials.secrets entry must set ttlMinutes. A child may turn it on, never off.'),
    forbidFileDelivery: z
      .boolean()
      .optional()
      .describe('No credential may be delivered as a file in the agent. A child may turn it on, never off.'),
    passEnv: z
      .array(z.string().regex(/^!?[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not an environment variable name' }))
      .optional()
      .describe('Host environment variables passed into the agent. Secret-looking names are rejected.'),
    ttlMinutes: TtlMinutes.describe('Lifetime of tokens handed into the session.'),
  })
  .describe('Credentials: none from the host by default; short-lived tokens only.');

export type SecretCredentialT = z.infer<typeof SecretCredential>;
