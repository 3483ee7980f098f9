/**
 * Why: the classic builder pulls any `FROM` (or `COPY --from`) image it does not have, and Podman's
 * compatible API pulls when missing too. ccbox never pulls, so it reads the Dockerfile first and
 * requires every referenced image to exist locally before the build starts.
 */

interface Instruction {
  keyword: string;
  args: string;
}

function logicalLines(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  const directive = /^#\s*escape\s*=\s*([\\`])\s*$/i.exec(lines[0] ?? '');
  if (directive?.[1]) escape = directive[1];
  const out: Instruction[] = [];
  let current = '';
  for (const raw of lines) {
    const trimmedStart = raw.trimStart();
    if (current === '' && (trimmedStart === '' || trimmedStart.startsWith('#'))) continue;
    if (current !== '' && trimmedStart.startsWith('#')) continue; // comment inside a continuation
    const trimmed = raw.trimEnd();
    if (trimmed.endsWith(escape)) {
      current += trimmed.slice(0, -1) + ' ';
      continue;
    }
    current += trimmed;
    const m = /^\s*(\S+)\s*(.*)$/s.exec(current);
    if (m?.[1]) out.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim() });
    current = '';
  }
  if (current.trim() !== '') {
    const m = /^\s*(\S+)\s*(.*)$/s.exec(current);
    if (m?.[1]) out.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim() });
  }
  return out;
}

/** `$A`, `${A}`, `${A:-x}`, `${A:+x}` as the builder expands them in FROM. */
export function expandVariables(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _match,
      braced: string | undefined,
      op: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const name = braced ?? bare ?? '';
      const value = vars.get(name);
      if (op === '-') return value !== undefined && value !== '' ? value : (word ?? '');
      if (op === '+') return value !== undefined && value !== '' ? (word ?? '') : '';
      return value ?? '';
    },
  );
}

function parseArg(
  args: string,
  buildArgs: Readonly<Record<string, string>>,
  vars: Map<string, string>,
): void {
  for (const token of args.split(/\s+/)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    const name = eq === -1 ? token : token.slice(0, eq);
    const fallback = eq === -1 ? undefined : token.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    const value = buildArgs[name] ?? fallback;
    if (value !== undefined) vars.set(name, value);
  }
}

/**
 * Images a Dockerfile needs from the engine's local store: `FROM` targets and `COPY/ADD --from` values
 * that are neither earlier stages nor `scratch`. Global `ARG`s and build args are expanded.
 */
export function externalImages(
  dockerfile: string,
  buildArgs: Readonly<Record<string, string>> = {},
): string[] {
  const globals = new Map<string, string>();
  // Any ARG seen so far: `COPY --from=$X` may use a stage-level ARG; expanding is the careful reading.
  const all = new Map<string, string>();
  const stages: string[] = [];
  const images = new Set<string>();
  let seenFrom = false;
  for (const { keyword, args } of logicalLines(dockerfile)) {
    if (keyword === 'ARG' && !seenFrom) parseArg(args, buildArgs, globals);
    if (keyword === 'ARG') parseArg(args, buildArgs, all);
    if (keyword === 'FROM') {
      seenFrom = true;
      const tokens = args.split(/\s+/).filter((t) => !t.startsWith('--'));
      const image = expandVariables(tokens[0] ?? '', globals);
      const alias = tokens[1]?.toUpperCase() === 'AS' ? tokens[2]?.toLowerCase() : undefined;
      if (image !== '' && image.toLowerCase() !== 'scratch' && !stages.includes(image.toLowerCase())) {
        images.add(image);
      }
      stages.push(alias ?? `#${stages.length}`);
    }
    if (keyword === 'COPY' || keyword === 'ADD') {
      for (const m of args.matchAll(/--from=(\S+)/g)) {
        const from = expandVariables((m[1] ?? '').replace(/^"(.*)"$/, '$1'), all);
        const isStage = stages.includes(from.toLowerCase()) || /^\d+$/.test(from);
        if (!isStage) images.add(from);
      }
    }
  }
  return [...images];
}
