import type { CreatedFolder, PullResult } from '../domain/mail.js';

/**
 * The results of one quarantine call with the folders it made on the first of them, so the
 * incident audits each creation once.
 *
 * Only the call that made a folder reports it: a later call, or a retry that finds the folder
 * there, reports nothing. So a folder made by an attempt that then failed (a crash, a throttle
 * after the folder was made) is never reported: its retry cannot tell that folder from one that
 * was there before (made for another incident, or by a person), and crediting this incident with
 * a creation that may not be its own would make the trail wrong rather than short.
 */
export function withCreatedFolders(results: PullResult[], created: readonly CreatedFolder[]): PullResult[] {
  const [first, ...rest] = results;
  if (!first || created.length === 0) return results;
  return [{ ...first, createdFolders: [...(first.createdFolders ?? []), ...created] }, ...rest];
}

/** A callback that records, in `created`, the folder at `path` once its id is known. */
export function recordCreation(created: CreatedFolder[], mailbox: string, path: string, hidden: boolean): (folderId: string) => void {
  return (folderId) => created.push({ mailbox, folderId, path, hidden });
}
