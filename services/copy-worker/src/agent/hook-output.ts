/** How much of a hook's output reaches the run log: its end, where errors are. */
export const HOOK_OUTPUT_LIMIT = 4 * 1024;

const REDACTED = '[redacted]';

// Bounded repetitions keep every rule linear in the output's length.
// Scripts print connection strings, `password=...` settings and tokens; none of it belongs in a
// run log that every console user can read.
const rules: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  [/\b([a-z][a-z0-9+.-]{0,20}:\/\/[^\s:/@]{0,256}:)[^\s@/]{1,256}@/gi, `$1${REDACTED}@`],
  [/\b(authorization\s*[:=]\s*(?:(?:bearer|basic|token)\s+)?)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/(--?(?:password|passwd|pass|token|secret|api-?key)\s+)(?:"[^"]*"|'[^']*'|\S+)/gi, `$1${REDACTED}`],
  [/\b([\w.-]{0,40}(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)[\w.-]{0,40}["']?\s*[=:]\s*)(?:"[^"]*"|'[^']*'|[^\s,;]+)/gi, `$1${REDACTED}`],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
];

/** Masks what looks like a credential in a hook's output. */
export function redactSecrets(text: string): string {
  return rules.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * The part of a hook's output fit for a run log: secrets masked, then only the last
 * HOOK_OUTPUT_LIMIT characters from a line start (a cut mid-line could leave half a secret
 * without the name that marks it).
 */
export function hookOutputForLog(output: string, limit = HOOK_OUTPUT_LIMIT): string {
  const redacted = redactSecrets(output).trimEnd();
  if (redacted.length <= limit) return redacted;
  const tail = redacted.slice(-limit);
  const lineStart = tail.indexOf('\n');
  const kept = lineStart >= 0 && lineStart < tail.length - 1 ? tail.slice(lineStart + 1) : '';
  return `[${redacted.length - kept.length} earlier characters left out]\n${kept}`;
}
