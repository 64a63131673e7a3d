import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { Tenant } from '../../sim/model.js';

export class TenantStateFileError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'TenantStateFileError';
  }
}

/**
 * The simulated tenant on disk. Every save writes a temporary file and renames it over the old
 * one, so a process killed at any moment leaves either the previous or the new state, never half.
 */
export class TenantStateFile {
  private lastWrite: Promise<void> = Promise.resolve();
  private waitingWrite: Promise<void> | undefined;
  private writeCount = 0;

  constructor(readonly path: string) {}

  /** The saved tenant, or undefined when nothing was saved yet. */
  async read(): Promise<Tenant | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TenantStateFileError(`cannot read the simulated tenant from ${this.path}: ${(error as Error).message}`, this.path);
    }
    try {
      return Tenant.fromJSON(JSON.parse(text));
    } catch (error) {
      const detail = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
      throw new TenantStateFileError(`${this.path} does not hold a simulated tenant: ${detail}`, this.path);
    }
  }

  /**
   * Resolves once a write that began after this call has finished. Calls made while a write waits
   * for the previous one share it: it serialises the tenant when it begins, so it holds their changes.
   */
  save(tenant: Tenant): Promise<void> {
    this.waitingWrite ??= this.lastWrite
      .catch(() => undefined)
      .then(() => {
        this.waitingWrite = undefined;
        return this.writeAtomically(JSON.stringify(tenant));
      });
    this.lastWrite = this.waitingWrite;
    return this.waitingWrite;
  }

  private async writeAtomically(text: string): Promise<void> {
    const temporary = `${this.path}.${process.pid}.${++this.writeCount}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, text);
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new TenantStateFileError(`cannot save the simulated tenant to ${this.path}: ${(error as Error).message}`, this.path);
    }
  }
}
