import { z } from 'zod';

/** The profile's `credentials:` section: where the model key comes from, what passes in, how long tokens live. */

// Why: names that look like secrets never pass through from the host; see validate-safety.ts.
export const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not an environment variable name' });

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
    passEnv: z
      .array(z.string().regex(/^!?[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not an environment variable name' }))
      .optional()
      .describe('Host environment variables passed into the agent. Secret-looking names are rejected.'),
    ttlMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional()
      .describe('Lifetime of tokens handed into the session.'),
  })
  .describe('Credentials: none from the host by default; short-lived tokens only.');
