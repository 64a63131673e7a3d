/**
 * The slice of OData `$filter` that mailbox and directory look-ups use:
 * `prop eq 'v'`, `coll/any(x:x eq 'v')`, joined with `and` / `or`, in parentheses if needed.
 * String literals double their quotes (`'O''Brien'`). Comparisons are case-insensitive, as
 * Graph's are for addresses.
 */

export type Filter =
  | { kind: 'eq'; property: string; value: string }
  | { kind: 'any'; property: string; value: string }
  | { kind: 'and' | 'or'; left: Filter; right: Filter };

export class InvalidFilter extends Error {
  override readonly name = 'InvalidFilter';
}

type Token = { kind: 'name' | 'string' | 'punct'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at]!;
    if (/\s/.test(char)) {
      at++;
    } else if (char === "'") {
      let text = '';
      at++;
      for (;;) {
        if (at >= source.length) throw new InvalidFilter('Unterminated string literal in $filter.');
        if (source[at] === "'") {
          if (source[at + 1] === "'") {
            text += "'";
            at += 2;
            continue;
          }
          at++;
          break;
        }
        text += source[at++];
      }
      tokens.push({ kind: 'string', text });
    } else if ('():'.includes(char)) {
      tokens.push({ kind: 'punct', text: char });
      at++;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_./]*/.exec(source.slice(at))?.[0];
      if (!name) throw new InvalidFilter(`Unexpected character '${char}' in $filter.`);
      tokens.push({ kind: 'name', text: name });
      at += name.length;
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Filter {
    const filter = this.disjunction();
    if (this.at < this.tokens.length) throw new InvalidFilter(`Unexpected '${this.tokens[this.at]!.text}' in $filter.`);
    return filter;
  }

  private disjunction(): Filter {
    let left = this.conjunction();
    while (this.acceptKeyword('or')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }

  private conjunction(): Filter {
    let left = this.clause();
    while (this.acceptKeyword('and')) left = { kind: 'and', left, right: this.clause() };
    return left;
  }

  private clause(): Filter {
    if (this.accept('punct', '(')) {
      const inner = this.disjunction();
      this.expect('punct', ')');
      return inner;
    }
    const path = this.expect('name').text;
    const lambda = /^(.+)\/any$/i.exec(path);
    if (lambda) {
      this.expect('punct', '(');
      const variable = this.expect('name').text;
      this.expect('punct', ':');
      if (this.expect('name').text !== variable) throw new InvalidFilter(`The lambda body must compare the variable '${variable}'.`);
      this.expectKeyword('eq');
      const value = this.expect('string').text;
      this.expect('punct', ')');
      return { kind: 'any', property: lambda[1]!, value };
    }
    this.expectKeyword('eq');
    return { kind: 'eq', property: path, value: this.expect('string').text };
  }

  private accept(kind: Token['kind'], text?: string): Token | undefined {
    const token = this.tokens[this.at];
    if (!token || token.kind !== kind || (text !== undefined && token.text !== text)) return undefined;
    this.at++;
    return token;
  }

  private expect(kind: Token['kind'], text?: string): Token {
    const token = this.accept(kind, text);
    if (!token) throw new InvalidFilter(`Expected ${text ? `'${text}'` : `a ${kind}`} in $filter.`);
    return token;
  }

  private acceptKeyword(keyword: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind !== 'name' || token.text.toLowerCase() !== keyword) return false;
    this.at++;
    return true;
  }

  private expectKeyword(keyword: string): void {
    if (!this.acceptKeyword(keyword)) throw new InvalidFilter(`Only the '${keyword}' operator is supported here.`);
  }
}

export function parseFilter(source: string): Filter {
  return new Parser(tokenize(source)).parse();
}

/** The properties a filter names, so a route can refuse the ones it cannot filter on. */
function filterProperties(filter: Filter): string[] {
  return 'property' in filter ? [filter.property] : [...filterProperties(filter.left), ...filterProperties(filter.right)];
}

/** A resource's value(s) for a property name (case-insensitive); undefined when it has none. */
export type PropertyReader = (property: string) => string | string[] | undefined;

export function matchesFilter(filter: Filter, read: PropertyReader, normalise: (property: string, value: string) => string = (_p, v) => v.toLowerCase()): boolean {
  switch (filter.kind) {
    case 'and':
      return matchesFilter(filter.left, read, normalise) && matchesFilter(filter.right, read, normalise);
    case 'or':
      return matchesFilter(filter.left, read, normalise) || matchesFilter(filter.right, read, normalise);
    case 'eq':
    case 'any': {
      const { property } = filter;
      const actual = read(property);
      const values = actual === undefined ? [] : Array.isArray(actual) ? actual : [actual];
      const wanted = normalise(property, filter.value);
      return values.some((value) => normalise(property, value) === wanted);
    }
  }
}

/** Reads a filterable property of a resource, case-insensitively. */
export function propertyReader(resource: Record<string, unknown>): PropertyReader {
  const byLowerName = new Map(Object.entries(resource).map(([key, value]) => [key.toLowerCase(), value]));
  return (property: string): string | string[] | undefined => {
    const value = byLowerName.get(property.toLowerCase());
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  };
}

/** Parses `$filter`, refusing properties the route cannot filter on, as Graph does. */
export function parseSupportedFilter(source: string | undefined, supported: Set<string>): Filter | undefined {
  if (source === undefined) return undefined;
  const filter = parseFilter(source);
  const unsupported = filterProperties(filter).find((property) => !supported.has(property.toLowerCase()));
  if (unsupported) throw new InvalidFilter(`Unsupported or invalid query filter clause specified for property '${unsupported}'.`);
  return filter;
}
