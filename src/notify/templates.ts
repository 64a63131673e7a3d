import { readFile } from 'node:fs/promises';
import Handlebars from 'handlebars';
import type { IncidentEvent, IncidentEventType } from '../domain/events.js';
import type { TemplateSource } from './config.js';
import { TemplateInvalid } from './errors.js';

/**
 * Handlebars, not a JavaScript-embedding engine: users edit these templates, and a logic-less
 * template cannot run code in the worker. Its own environment keeps helpers local to Clawback.
 */
const handlebars = Handlebars.create();

export type Escaping = 'html' | 'none' | ((value: string) => string);

/** A compiled template; `render` escapes every value it inserts the way its output needs. */
export interface Template {
  render(context: object): string;
}

const EVENT_TITLES: Record<IncidentEventType, string> = {
  'incident.started': 'Incident opened',
  'incident.approval_required': 'Approval required',
  'incident.contained': 'Message contained',
  'incident.partially_contained': 'Message partially contained',
  'incident.recorded': 'Incident recorded (nothing moved)',
  'incident.failed': 'Pull failed',
  'incident.undone': 'Pull undone',
  'incident.late_copy_pulled': 'Late copy pulled',
};

/** What templates see: the event, plus a readable title and what did not fit the event. */
export type TemplateContext = IncidentEvent & { title: string; residualMore: number; sourceList: string; owner?: string };

export function templateContext(event: IncidentEvent, owner?: string): TemplateContext {
  return {
    ...event,
    title: EVENT_TITLES[event.type],
    residualMore: event.counts.residual - event.residualExposure.length,
    sourceList: event.sources.join(', '),
    ...(owner ? { owner } : {}),
  };
}

/** Compiles a template; `where` names it (config path) in errors. */
export function compileTemplate(text: string, escaping: Escaping, where: string): Template {
  let compiled: HandlebarsTemplateDelegate;
  try {
    compiled = handlebars.compile(text, { noEscape: escaping !== 'html', strict: false, knownHelpersOnly: true, knownHelpers: { each: true, if: true, unless: true, with: true } });
    // Handlebars compiles lazily: parse now so a broken template stops the worker at start, not at the first incident.
    handlebars.precompile(text, { knownHelpersOnly: true });
  } catch (error) {
    throw new TemplateInvalid(where, (error as Error).message);
  }
  const escape = typeof escaping === 'function' ? escaping : undefined;
  return {
    render(context) {
      return compiled(escape ? mapStrings(context, escape) : context);
    },
  };
}

/** The template's text: inline, from its file, or the built-in default. */
export async function templateText(source: TemplateSource | undefined, fallback: string, where: string): Promise<string> {
  if (source === undefined) return fallback;
  if (typeof source === 'string') return source;
  try {
    return await readFile(source.file, 'utf8');
  } catch (error) {
    throw new TemplateInvalid(where, `cannot read ${source.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export async function loadTemplate(source: TemplateSource | undefined, fallback: string, escaping: Escaping, where: string): Promise<Template> {
  return compileTemplate(await templateText(source, fallback, where), escaping, where);
}

/** A mail header value: line breaks would start a new header, so they become spaces. */
export function headerSafe(value: string, max = 250): string {
  const flat = value.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function mapStrings<T>(value: T, escape: (value: string) => string): T {
  if (typeof value === 'string') return escape(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, escape)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, mapStrings(inner, escape)])) as T;
}
