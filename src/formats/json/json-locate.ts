/**
 * Finds the offset of the first syntax error in JSON text, for messages that name a line and column. Only called
 * after JSON.parse has failed (V8 does not always say where). Iterative, so deep input cannot overflow the stack.
 */
export function locateJsonError(text: string): { offset: number; reason: string } {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (reason: string): { offset: number; reason: string } => ({ offset: i, reason });
  // Stack of containers: '{' expects key next, ':' expects value in object, '[' expects value in array.
  const stack: string[] = [];
  let expectValue = true;
  for (;;) {
    ws();
    if (expectValue) {
      const c = text[i];
      if (c === undefined) return fail('unexpected end of input');
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === '{') {
          if (text[i] !== '"') return fail('expected a property name in double quotes');
          const e = scanString();
          if (e !== undefined) return e;
          ws();
          if (text[i] !== ':') return fail('expected ":" after a property name');
          i++;
        }
        continue;
      }
      if (c === '"') {
        const e = scanString();
        if (e !== undefined) return e;
      } else {
        const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
        if (m === null) return fail(`unexpected ${describe(c)}`);
        i += m[0].length;
      }
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    const c = text[i];
    if (top === undefined)
      return c === undefined ? fail('no error found') : fail(`unexpected ${describe(c)} after the end of the document`);
    if (c === ',') {
      i++;
      if (top === '{') {
        ws();
        if (text[i] !== '"') return fail('expected a property name in double quotes');
        const e = scanString();
        if (e !== undefined) return e;
        ws();
        if (text[i] !== ':') return fail('expected ":" after a property name');
        i++;
      }
      expectValue = true;
      continue;
    }
    if (c === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
      continue;
    }
    return c === undefined
      ? fail('unexpected end of input')
      : fail(`expected "," or "${top === '{' ? '}' : ']'}" but found ${describe(c)}`);
  }

  function scanString(): { offset: number; reason: string } | undefined {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail('a control character (e.g. a line break) inside a string');
      if (c === 92) {
        const n = text[i + 1];
        if (n === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('a bad \\u escape');
          i += 6;
          continue;
        }
        if (n === undefined || !'"\\/bfnrt'.includes(n)) return fail('a bad escape');
        i += 2;
        continue;
      }
      i++;
    }
    return fail('a string is not closed');
  }
}

function describe(c: string): string {
  return c === '\n' ? 'a line break' : JSON.stringify(c);
}
