/** What went wrong where while parsing a report, each said once, in the order it was found. */
export class ProblemLog {
  private readonly entries = new Set<string>();

  /** `where` names the message: `report`, or `attached message 1.2` for the second inside the first. */
  add(where: string, detail: string): void {
    this.entries.add(`${where}: ${detail}`);
  }

  list(): string[] {
    return [...this.entries];
  }
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
