import assert from 'node:assert/strict';
import type { MailboxRef, PullResult } from '../../src/domain/mail.js';
import { DEFAULT_QUARANTINE_FOLDER } from '../../src/domain/quarantine.js';
import type { MailProvider } from '../../src/providers/port.js';
import { DEMO_ADDRESSES as a, DEMO_FORWARD_ID, DEMO_MESSAGE_ID } from '../../src/sim/demo.js';

/** "<result index> <mailbox> <path> hidden|visible" for each folder the results say the pull made. */
export function reportedCreations(results: PullResult[]): string[] {
  return results.flatMap((result, index) => (result.createdFolders ?? []).map((f) => `${index} ${f.mailbox} ${f.path} ${f.hidden ? 'hidden' : 'visible'}`));
}

export interface FolderCreationCase {
  /** Over the demo tenant with nothing pulled yet, quarantining with the default folder name. */
  provider: MailProvider;
  /** Another provider over the same tenant, remembering nothing: a worker started again. */
  restarted: MailProvider;
  mailbox(address: string): Promise<MailboxRef>;
  quarantineMailbox: string;
  /** The folders quarantine-mailbox makes for an incident's evidence, outermost first. */
  evidencePaths(incidentId: string): string[];
}

/**
 * What every provider reports about the folders its pulls make: the first pull into a mailbox
 * names the hidden quarantine folder once, on its first result; a later pull or a retry, by the
 * same provider or a restarted one, names none; quarantine-mailbox names the incident's evidence
 * folders with the first mailbox's pull, and only there.
 */
export async function checkFolderCreations(c: FolderCreationCase): Promise<void> {
  const alice = await c.mailbox(a.alice);
  const copies = [
    ...(await c.provider.findCopies(alice, { messageId: DEMO_MESSAGE_ID })),
    ...(await c.provider.findCopies(alice, { messageId: DEMO_FORWARD_ID })),
  ];
  assert.equal(copies.length, 2, 'the message alice received and the forward she sent');
  const first = await c.provider.quarantine(copies, 'quarantine-folder', 'inc-folders-1');
  assert.deepEqual(reportedCreations(first), [`0 ${a.alice} ${DEFAULT_QUARANTINE_FOLDER} hidden`]);
  const made = first[0]!.createdFolders![0]!;
  assert.deepEqual(
    first.map((result) => 'record' in result && result.record.quarantineFolderId),
    [made.folderId, made.folderId],
    'the reported folder is the one the copies went into',
  );

  for (const provider of [c.provider, c.restarted]) {
    const again = await provider.quarantine(copies, 'quarantine-folder', 'inc-folders-1');
    assert.deepEqual(again.map((result) => result.outcome), ['already-quarantined', 'already-quarantined']);
    assert.deepEqual(reportedCreations(again), [], 'the folder was there already');
  }

  const pullWithEvidence = async (address: string) =>
    c.provider.quarantine(await c.provider.findCopies(await c.mailbox(address), { messageId: DEMO_MESSAGE_ID }), 'quarantine-mailbox', 'inc-folders-2');
  const bob = await pullWithEvidence(a.bob);
  const evidencePaths = c.evidencePaths('inc-folders-2');
  assert.deepEqual(reportedCreations(bob), [
    `0 ${a.bob} ${DEFAULT_QUARANTINE_FOLDER} hidden`,
    ...evidencePaths.map((path) => `0 ${c.quarantineMailbox} ${path} visible`),
  ]);
  const evidenceFolder = bob[0]!.createdFolders!.at(-1)!;
  assert.equal('record' in bob[0]! && bob[0].record.evidence?.folderId, evidenceFolder.folderId, 'the evidence went into the reported folder');
  const carol = await pullWithEvidence(a.carol);
  assert.deepEqual(reportedCreations(carol), [`0 ${a.carol} ${DEFAULT_QUARANTINE_FOLDER} hidden`], "the incident's evidence folder is reported once");
}
