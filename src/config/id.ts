import { z } from 'zod';

/** The id of anything named in config (sources, admins, channels, rules, lists, abuse mailboxes). */
export const ConfigId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');
