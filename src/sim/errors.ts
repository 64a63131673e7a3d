/**
 * A request the simulated tenant refuses. `code` names the condition the way the providers do
 * (Graph `ErrorItemNotFound`, `ErrorFolderExists`, ...), so each protocol face can map it to its
 * own wire error.
 */
export class TenantError extends Error {
  constructor(
    readonly code:
      | 'MailboxNotFound'
      | 'GroupNotFound'
      | 'AddressNotFound'
      | 'FolderNotFound'
      | 'FolderExists'
      | 'InvalidFolderName'
      | 'WellKnownFolderProtected'
      | 'ItemNotFound'
      | 'InvalidMime',
    message: string,
    readonly context: { mailboxId?: string; folderId?: string; itemId?: string; address?: string } = {},
  ) {
    super(message);
    this.name = 'TenantError';
  }
}
