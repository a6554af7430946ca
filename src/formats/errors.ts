/**
 * A file that cannot be read as the format it claims to be. `location` names the place: "line 12", "cell C24",
 * "row MPII-2.1", "answers/4.1-a". Importers throw it for bad input; the CLI and the API turn it into one clear line.
 */
export class FormatError extends Error {
  constructor(
    readonly format: string,
    readonly location: string | undefined,
    message: string,
  ) {
    super(location === undefined ? message : `${location}: ${message}`);
    this.name = 'FormatError';
  }
}

/** Upload and file limits that every importer applies before parsing. */
export const LIMITS = {
  /** Largest file any importer reads. */
  maxFileBytes: 10 * 1024 * 1024,
  /** Largest total of uncompressed parts inside an XLSX (a zip): guards against decompression bombs. */
  maxUnzippedBytes: 50 * 1024 * 1024,
  maxZipEntries: 2000,
  /** Deepest JSON nesting accepted. */
  maxJsonDepth: 32,
  maxCsvLines: 20000,
  maxCsvFieldChars: 20000,
} as const;
