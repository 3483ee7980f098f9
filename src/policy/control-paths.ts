/**
 * Paths in a worktree that a program on the host reads and acts on: read-only in every session, in every
 * tier, on top of the profile's own `paths.protected`. Why: the agent can write the worktree, and anything
 * here that it changes runs (or configures what runs) on the host later, outside the sandbox. The git
 * directory is not listed: the agent never sees the host's (it works in a session git directory).
 * sandbox-runtime's mandatory deny list is the floor; this is the list the README documents.
 */
export interface ControlPath {
  /** Worktree-relative, literal (no globs). */
  path: string;
  /** A directory gets an empty read-only stand-in when it is missing; a missing file is watched instead. */
  kind: 'dir' | 'file';
  /** Which host program acts on it, and how. */
  why: string;
}

export const ALWAYS_PROTECTED: readonly ControlPath[] = [
  {
    path: '.claude',
    kind: 'dir',
    why: 'Claude Code on the host loads its settings, hooks, commands and agents',
  },
  { path: '.mcp.json', kind: 'file', why: 'Claude Code on the host starts the MCP servers it names' },
  { path: '.github/workflows', kind: 'dir', why: 'GitHub Actions runs them with the repository secrets' },
  { path: '.gitlab-ci.yml', kind: 'file', why: 'GitLab CI runs it' },
  { path: '.gitlab', kind: 'dir', why: 'GitLab CI includes and templates' },
  { path: '.circleci', kind: 'dir', why: 'CircleCI runs its config' },
  { path: '.buildkite', kind: 'dir', why: 'Buildkite runs its pipeline and hooks' },
  { path: '.husky', kind: 'dir', why: 'husky sets core.hooksPath to it: git runs these hooks on the host' },
  {
    path: '.githooks',
    kind: 'dir',
    why: 'the usual core.hooksPath folder: git runs these hooks on the host',
  },
  {
    path: '.pre-commit-config.yaml',
    kind: 'file',
    why: 'pre-commit runs the commands it names at the next host commit',
  },
  { path: 'lefthook.yml', kind: 'file', why: 'lefthook runs the commands it names from git hooks' },
  { path: 'lefthook.yaml', kind: 'file', why: 'lefthook runs the commands it names from git hooks' },
  { path: '.lefthook.yml', kind: 'file', why: 'lefthook runs the commands it names from git hooks' },
  { path: '.lefthook.yaml', kind: 'file', why: 'lefthook runs the commands it names from git hooks' },
  { path: 'lefthook-local.yml', kind: 'file', why: 'lefthook runs the commands it names from git hooks' },
  { path: '.lefthook-local.yml', kind: 'file', why: 'lefthook runs the commands it names from git hooks' },
  { path: '.gitmodules', kind: 'file', why: 'git submodule takes URLs and paths from it on the host' },
  { path: '.vscode', kind: 'dir', why: 'VS Code runs its tasks and takes executables from its settings' },
  { path: '.idea', kind: 'dir', why: 'JetBrains IDEs run its run configurations and startup tasks' },
  {
    path: '.devcontainer',
    kind: 'dir',
    why: 'dev containers run initializeCommand from devcontainer.json on the host',
  },
  {
    path: '.devcontainer.json',
    kind: 'file',
    why: 'dev containers run its initializeCommand on the host',
  },
  { path: '.envrc', kind: 'file', why: 'direnv runs it in the user shell' },
];

/** The literal paths, for the compiled plan (`readOnlyPaths`). */
export const ALWAYS_READ_ONLY: readonly string[] = ALWAYS_PROTECTED.map((c) => c.path);
