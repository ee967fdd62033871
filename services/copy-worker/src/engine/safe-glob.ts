/**
 * A glob matcher that never backtracks exponentially: a pattern is split into '/' segments,
 * '**' segments are matched against path segments by dynamic programming, and each other segment
 * by the linear-space wildcard algorithm, O(name × segment) at worst. Regex-compiling globs
 * (picomatch and friends) lets a pattern such as `*a*a*a*a*a*b` take hours on a long name.
 * Supports `*`, `?`, `[abc]`, `[a-z]`, `[!x]` / `[^x]`, `{a,b}` and `**`; matches dot-files.
 */

type Token = { kind: 'star' } | { kind: 'one' } | { kind: 'char'; char: string } | { kind: 'class'; negated: boolean; ranges: Array<[string, string]> };
type Segment = { kind: 'globstar' } | { kind: 'glob'; tokens: Token[] };

/** A brace-expanded pattern may have at most this many alternatives. */
export const MAX_GLOB_ALTERNATIVES = 256;

export class GlobSyntaxError extends Error {
  override name = 'GlobSyntaxError';
}

export function compileGlob(pattern: string, options: { nocase?: boolean } = {}): (path: string) => boolean {
  const nocase = options.nocase ?? false;
  const alternatives = expandBraces(nocase ? pattern.toLowerCase() : pattern).map(parsePattern);
  return (path) => {
    const segments = (nocase ? path.toLowerCase() : path).split('/');
    return alternatives.some((pattern) => matchSegments(pattern, segments));
  };
}

function expandBraces(pattern: string): string[] {
  const open = findBrace(pattern);
  if (!open) return [pattern];
  const { start, end, options } = open;
  const out: string[] = [];
  for (const option of options) {
    for (const expanded of expandBraces(pattern.slice(0, start) + option + pattern.slice(end + 1))) {
      out.push(expanded);
      if (out.length > MAX_GLOB_ALTERNATIVES) throw new GlobSyntaxError(`"${pattern.slice(0, 80)}" expands to more than ${MAX_GLOB_ALTERNATIVES} alternatives`);
    }
  }
  return out;
}

/** The first top-level {a,b,...} with at least one comma, or null. */
function findBrace(pattern: string): { start: number; end: number; options: string[] } | null {
  for (let start = pattern.indexOf('{'); start >= 0; start = pattern.indexOf('{', start + 1)) {
    let depth = 0;
    const commas: number[] = [];
    for (let i = start; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '\\') i++;
      else if (c === '{') depth++;
      else if (c === ',' && depth === 1) commas.push(i);
      else if (c === '}' && --depth === 0) {
        if (commas.length === 0) break;
        const bounds = [start, ...commas, i];
        return { start, end: i, options: bounds.slice(0, -1).map((b, k) => pattern.slice(b + 1, bounds[k + 1])) };
      }
    }
  }
  return null;
}

function parsePattern(pattern: string): Segment[] {
  return pattern.split('/').map((segment): Segment => (segment === '**' ? { kind: 'globstar' } : { kind: 'glob', tokens: parseSegment(segment) }));
}

function parseSegment(segment: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '\\' && i + 1 < segment.length) tokens.push({ kind: 'char', char: segment[++i]! });
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        tokens.push({ kind: 'char', char: c });
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const ranges: Array<[string, string]> = [];
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          ranges.push([body[k]!, body[k + 2]!]);
          k += 2;
        } else ranges.push([body[k]!, body[k]!]);
      }
      tokens.push({ kind: 'class', negated, ranges });
      i = close;
    } else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

function matchesOne(token: Token, char: string): boolean {
  if (token.kind === 'one') return true;
  if (token.kind === 'char') return token.char === char;
  if (token.kind === 'class') return token.ranges.some(([from, to]) => char >= from && char <= to) !== token.negated;
  return false;
}

/** Wildcard matching with one remembered star: never worse than O(name × tokens). */
function matchSegment(tokens: readonly Token[], name: string): boolean {
  let t = 0;
  let n = 0;
  let starT = -1;
  let starN = 0;
  while (n < name.length) {
    const token = tokens[t];
    if (token && token.kind !== 'star' && matchesOne(token, name[n]!)) {
      t++;
      n++;
    } else if (token?.kind === 'star') {
      starT = t++;
      starN = n;
    } else if (starT >= 0) {
      t = starT + 1;
      n = ++starN;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

function matchSegments(pattern: readonly Segment[], segments: readonly string[]): boolean {
  // reachable[s]: the pattern so far can consume exactly the first s path segments.
  let reachable = new Array<boolean>(segments.length + 1).fill(false);
  reachable[0] = true;
  for (const part of pattern) {
    const next = new Array<boolean>(segments.length + 1).fill(false);
    if (part.kind === 'globstar') {
      let any = false;
      for (let s = 0; s <= segments.length; s++) {
        any ||= reachable[s]!;
        next[s] = any;
      }
    } else {
      for (let s = 0; s < segments.length; s++) if (reachable[s] && matchSegment(part.tokens, segments[s]!)) next[s + 1] = true;
    }
    reachable = next;
  }
  return reachable[segments.length]!;
}
