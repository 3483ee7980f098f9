/**
 * The text of Claude Code permission rules that a profile's paths and families compile to. Why here, below
 * both: the compiler writes them and the profile's no-effect check compares against them; one spelling.
 */

const ruleFor = (tool: 'Read' | 'Edit', glob: string): string => `${tool}(./${glob.replace(/^\.\//, '')})`;

/** The rules a secret glob compiles to (denied). */
export const secretRules = (glob: string): string[] => [ruleFor('Read', glob), ruleFor('Edit', glob)];
/** The rule a protected glob compiles to (asked). */
export const protectedRule = (glob: string): string => ruleFor('Edit', glob);
/** The rules a Bash family command compiles to. */
export const familyRules = (command: string): string[] => [`Bash(${command})`, `Bash(${command} *)`];
