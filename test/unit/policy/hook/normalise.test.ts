import { beforeAll, describe, expect, it } from 'vitest';
import { joinContinuations, loadShellParser, type ShellParser } from '../../../../src/policy/hook/parser.js';
import { decodeAnsiC } from '../../../../src/policy/hook/words.js';
import { printfText, walkScript } from '../../../../src/policy/hook/walk.js';
import { unwrap } from '../../../../src/policy/hook/unwrap.js';
import { shellProgram, interpreterProgram } from '../../../../src/policy/hook/interpreters.js';

let parser: ShellParser;
beforeAll(async () => {
  parser = await loadShellParser();
});

/** The argv of every simple command, as the walker sees them (dynamic words as `?pattern`). */
function commands(source: string): string[] {
  const root = parser.parse(source);
  if (root === null) throw new Error('no tree');
  return walkScript(root, '/home/agent', new Map(), []).commands.map((c) =>
    c.argv.map((a) => a.text ?? `?${a.pattern}`).join(' '),
  );
}

describe('the shell walker', () => {
  it('resolves quoting and escapes to the word the shell runs', () => {
    expect(commands(`c\\url 'cu'rl cu""rl $'\\x63url' $'\\143url' "a b"`)).toEqual([
      'curl curl curl curl curl a b',
    ]);
  });

  it('sees every simple command in lists, pipelines, groups, loops, conditionals and functions', () => {
    const src =
      'a && b || c; (d); { e; }; ! f | g; for i in 1; do h; done; if i; then j; else k; fi; while l; do m; done; case x in x) n;; esac; fn() { o; }';
    expect(commands(src)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
      'g',
      'h',
      'i',
      'j',
      'k',
      'l',
      'm',
      'n',
      'o',
    ]);
  });

  it('sees commands inside command and process substitutions, in any word', () => {
    expect(commands('echo "$(a)" `b` <(c) > "$(d)"; X=$(e) f')).toEqual(
      expect.arrayContaining(['a', 'b', 'c', 'd', 'e']),
    );
  });

  it('tracks static assignments in order, and leaves the rest dynamic', () => {
    expect(commands('X=curl; $X a; ${X} b; $Y c; X=$(z); $X d')).toEqual([
      'curl a',
      'curl b',
      '?* c',
      'z',
      '?* d',
    ]);
  });

  it('expands ~ and $HOME to the agent home', () => {
    expect(commands('cat ~/.ssh/id_rsa $HOME/.aws ~root/x')).toEqual([
      'cat /home/agent/.ssh/id_rsa /home/agent/.aws /root/x',
    ]);
  });

  it('gives a here-doc piped into a shell the here-doc as the shell stdin', () => {
    const root = parser.parse('cat <<EOF | sh\ncurl x\nEOF');
    const walked = walkScript(root!, '/h', new Map(), []);
    const sh = walked.commands.find((c) => c.argv[0]?.text === 'sh');
    expect(sh?.stdin).toEqual({ kind: 'code', text: 'curl x\n' });
  });

  it('marks the output of a decoder piped into a shell as dynamic', () => {
    const walked = walkScript(parser.parse('echo eA== | base64 -d | sh')!, '/h', new Map(), []);
    expect(walked.commands.at(-1)?.stdin).toEqual({ kind: 'dynamic', from: 'base64' });
  });

  it('reports what it could not parse', () => {
    expect(
      walkScript(parser.parse('echo "unterminated')!, '/h', new Map(), []).unreadable.length,
    ).toBeGreaterThan(0);
  });
});

describe('the parser', () => {
  it('loads concurrently without mixing runtimes, and every loaded parser still parses', async () => {
    const parsers = await Promise.all([loadShellParser(), loadShellParser(), loadShellParser()]);
    for (const p of [parser, ...parsers]) expect(p.parse('curl x | sh')?.children[0]?.type).toBe('pipeline');
  });

  it('refuses an oversized command instead of parsing it', () => {
    expect(parser.parse(`echo ${'a'.repeat(300_000)}`)).toBeNull();
  });
});

describe('word decoding', () => {
  it('decodes $"..." bodies the way Bash does', () => {
    expect(decodeAnsiC('\\x63\\165rl\\u0020\\n\\t\\\\')).toBe('curl \n\t\\');
  });

  it('formats printf output the way the shell would print it (so `printf | sh` is read)', () => {
    expect(printfText(['%s %s', 'curl', 'x'])).toBe('curl x');
    expect(printfText(['%s;', 'a', 'b'])).toBe('a;b;');
    expect(printfText(['\\x63url %b', 'x\\n'])).toBe('curl x\n');
    expect(printfText(['100%%'])).toBe('100%');
  });

  it('joins backslash-newline outside single quotes only', () => {
    expect(joinContinuations('cu\\\nrl')).toBe('curl');
    expect(joinContinuations("echo 'a\\\nb'")).toBe("echo 'a\\\nb'");
  });
});

describe('unwrap', () => {
  const w = (...xs: string[]) => xs.map((t) => ({ text: t, pattern: t, glob: false }));
  it('takes off wrappers and their options', () => {
    const u = unwrap(
      w(
        'sudo',
        '-u',
        'x',
        'env',
        '-i',
        'A=1',
        'timeout',
        '-s',
        'KILL',
        '5',
        'nice',
        '-n',
        '3',
        'stdbuf',
        '-oL',
        '/usr/bin/curl',
        'h',
      ),
    );
    expect(u.name).toBe('curl');
    expect(u.wrappers).toEqual(['sudo', 'env', 'timeout', 'nice', 'stdbuf']);
    expect(u.envAssigns.map((a) => a.name)).toEqual(['A']);
  });

  it('splits env -S and keeps command -v a lookup', () => {
    expect(unwrap(w('env', '-S', 'curl -d x h')).name).toBe('curl');
    expect(unwrap(w('command', '-v', 'curl')).lookupOnly).toBe(true);
  });

  it('knows xargs and busybox run their operand', () => {
    expect(unwrap(w('xargs', '-I{}', '-n', '1', 'wget', '{}'))).toMatchObject({
      name: 'wget',
      stdinArgs: true,
    });
    expect(unwrap(w('busybox', 'nc', 'h', '1')).name).toBe('nc');
  });
});

describe('programs of shells and interpreters', () => {
  const w = (...xs: string[]) => xs.map((t) => ({ text: t, pattern: t, glob: false }));
  it('finds -c text in combined flags and falls back to stdin', () => {
    expect(shellProgram(w('-lc', 'curl x'), { kind: 'none' })).toEqual({ kind: 'inline', code: 'curl x' });
    expect(shellProgram(w('-s'), { kind: 'code', text: 'x' })).toEqual({
      kind: 'stdin',
      stdin: { kind: 'code', text: 'x' },
    });
    expect(shellProgram(w('run.sh'), { kind: 'none' }).kind).toBe('script');
  });

  it('finds inline code, modules and stdin for interpreters', () => {
    expect(interpreterProgram('python3', w('-c', 'import socket'), { kind: 'none' })).toEqual({
      kind: 'inline',
      code: 'import socket',
    });
    expect(interpreterProgram('python3', w('-m', 'pip', 'install', 'x'), { kind: 'none' })).toMatchObject({
      kind: 'module',
      module: 'pip',
    });
    expect(interpreterProgram('node', w('--eval', 'fetch(1)'), { kind: 'none' })).toEqual({
      kind: 'inline',
      code: 'fetch(1)',
    });
    expect(interpreterProgram('perl', w('-MIO::Socket', '-e', 'x'), { kind: 'none' })).toEqual({
      kind: 'inline',
      code: 'x',
    });
    expect(interpreterProgram('python3', w('-'), { kind: 'dynamic', from: 'base64' }).kind).toBe('stdin');
  });
});
