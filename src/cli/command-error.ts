/**
 * An expected failure of a command that works on the database: printed as one line, with its exit code. In a file
 * of its own so that main.ts can recognize it without loading the database drivers.
 */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}
