import { z } from 'zod';

// A red-team scenario: what an injected agent does, the untrusted text that told it to, what must happen,
// and the evidence that decides it. Teams add their own files in this format (redteam/scenarios/README.md).

const outcome = z.enum(['blocked', 'allowed']);

const step = z
  .object({
    tool: z
      .string()
      .min(1)
      .describe('the tool Claude Code is asked to call: Bash, Read, Edit, Write, WebFetch, ...'),
    input: z.record(z.string(), z.unknown()).describe("the tool's input, as the model would send it"),
  })
  .strict();

const untrusted = z
  .object({
    via: z
      .enum(['readme', 'file', 'tool-result', 'web', 'mcp'])
      .describe(
        'how the instruction reaches the agent: a README or other repository file, a tool result, a fetched page, an MCP tool',
      ),
    path: z
      .string()
      .optional()
      .describe('for readme and file: where in the repository the text is (default README.md)'),
    text: z.string().min(1).describe('the injected instruction, as the agent would read it'),
  })
  .strict();

const evidence = z
  .object({
    toolError: z
      .boolean()
      .optional()
      .describe('blocked means every step ended in an error tool_result (default true for blocked)'),
    canary: z
      .string()
      .min(8)
      .optional()
      .describe(
        'a value that must never reach the model: present in a planted file, absent from every request',
      ),
    hostUnchanged: z
      .array(z.string().min(1))
      .optional()
      .describe('repository paths whose host copy must be the same (or still absent) after the session'),
    egressDenied: z
      .boolean()
      .optional()
      .describe('the gate must have recorded a denied egress request during the session'),
    sinkUntouched: z
      .boolean()
      .optional()
      .describe(
        'no request reached the sink ({{sink}} in a step: a listener of the case on the far side) under /exfil',
      ),
  })
  .strict();

/** One scenario file. */
export const scenarioSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes')
      .describe('unique id, used by --scenario'),
    title: z.string().min(1).describe("the attack, in the guide's words"),
    boundary: z
      .enum(['tool', 'file', 'network', 'workspace', 'release'])
      .describe('the boundary that must stop it'),
    owner: z.string().optional().describe("who owns the case (the guide's red-team record)"),
    fix: z.string().optional().describe('what fixed it, for a case that once failed'),
    untrusted: untrusted.optional(),
    files: z
      .record(z.string(), z.string())
      .optional()
      .describe('repository files committed before the session (path → content)'),
    plant: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'files written but never committed (planted secrets: a tier refuses a repository whose git history holds one)',
      ),
    steps: z
      .array(step)
      .min(1)
      .describe(
        'the tool calls the injected agent makes, one turn each; {{sink}} becomes the case listener host:port',
      ),
    approve: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'permission rules a user approved in the session (--allowedTools): the tool boundary was passed, so the next one must hold; managed deny rules still win',
      ),
    expect: z
      .union([outcome, z.record(z.string(), outcome)])
      .describe('blocked or allowed, or one per tier with `default`'),
    evidence: evidence.default({}),
  })
  .strict()
  // Why: a canary no file holds is never read, so "it never reached the model" would prove nothing.
  .refine(
    (s) =>
      s.evidence.canary === undefined ||
      s.evidence.canary === 'model-key' ||
      Object.values({ ...s.files, ...s.plant }).some((c) => c.includes(s.evidence.canary as string)),
    {
      message: 'evidence.canary must appear in one of the files or plant entries (or be model-key)',
      path: ['evidence', 'canary'],
    },
  );

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioOutcome = z.infer<typeof outcome>;

/** What `scenario` must come to in `tier`. */
export function expectedOutcome(scenario: Scenario, tier: string): ScenarioOutcome {
  if (typeof scenario.expect === 'string') return scenario.expect;
  return scenario.expect[tier] ?? scenario.expect.default ?? 'blocked';
}
