/** Bounds on the work one report may cause: reports come from anyone who can send mail. */
export interface ReportLimits {
  /** A larger report is not parsed at all. */
  maxBytes: number;
  /** Attached messages nested deeper than this (the report's own attachments are depth 1) are not opened. */
  maxDepth: number;
  /** Attached messages beyond this many are not opened. */
  maxOriginals: number;
  /** Distinct URLs kept per reported message. */
  maxUrls: number;
  /** A message (the report or an attached one) whose header block is longer is not parsed. */
  maxHeaderBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_REPORT_LIMITS: Readonly<ReportLimits> = {
  maxBytes: 25 * MiB,
  maxDepth: 5,
  maxOriginals: 20,
  maxUrls: 200,
  maxHeaderBytes: 256 * 1024,
};

/** The defaults with the given limits in their place; a limit given as undefined keeps its default. */
export function reportLimits(overrides: Partial<ReportLimits> = {}): ReportLimits {
  const given = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return { ...DEFAULT_REPORT_LIMITS, ...Object.fromEntries(given) };
}
