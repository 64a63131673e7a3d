import type { z } from 'zod';

/** One problem in some input, at a dotted path such as `tenants.0.domains`. */
export interface Issue {
  path: string;
  message: string;
}

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** A file or document that failed validation; the message lists every bad path. */
export class InvalidInput extends Error {
  constructor(
    message: string,
    readonly file: string | undefined,
    readonly issues: Issue[] = [],
  ) {
    super(issues.length ? `${message}\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}` : message);
    this.name = new.target.name;
  }
}

/** Parses with `schema`, or throws `Failure` naming `what` (and the file) with every issue. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  what: string,
  file: string | undefined,
  Failure: new (message: string, file: string | undefined, issues: Issue[]) => InvalidInput,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new Failure(`invalid ${what}${file ? ` in ${file}` : ''}`, file, issuesOf(result.error));
  return result.data;
}
