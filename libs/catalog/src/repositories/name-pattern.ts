/**
 * A find query as a LIKE pattern. `*` and `?` make it a glob over the whole name; without them it
 * matches anywhere in the name. Every other character, LIKE's own `%`, `_` and `\` included, is
 * matched literally, so a user's text never becomes pattern syntax it did not ask for.
 */
export function nameLikePattern(query: string): string {
  const isGlob = /[*?]/.test(query);
  let pattern = '';
  for (const char of query) {
    if (char === '*') pattern += '%';
    else if (char === '?') pattern += '_';
    else if (char === '%' || char === '_' || char === '\\') pattern += `\\${char}`;
    else pattern += char;
  }
  return isGlob ? pattern : `%${pattern}%`;
}
