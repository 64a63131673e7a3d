import { z } from 'zod';

/** The hidden folder (Gmail: hidden label) a mailbox's pulled copies go into. */
export const DEFAULT_QUARANTINE_FOLDER = 'Clawback Quarantine';
/** In the quarantine mailbox, the folder that holds one subfolder of evidence per incident. */
export const EVIDENCE_FOLDER_NAME = 'Clawback Incidents';

/** Where a tenant's quarantine lives. Provider-neutral: each adapter maps it to folders or labels. */
export const QuarantineSettings = z
  .object({
    folderName: z.string().trim().min(1).max(255).default(DEFAULT_QUARANTINE_FOLDER),
    mailbox: z
      .email()
      .toLowerCase()
      .optional()
      .describe("the security team's quarantine mailbox, which quarantine-mailbox copies each pulled message into"),
  })
  .strict();
export type QuarantineSettings = z.infer<typeof QuarantineSettings>;
export type QuarantineSettingsInput = z.input<typeof QuarantineSettings>;
