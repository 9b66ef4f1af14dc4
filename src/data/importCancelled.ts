/** The error an import rejects with once cancelled (nothing of it is stored). */
export class ImportCancelledError extends Error {
  override name = 'ImportCancelledError';
  constructor() {
    super('Import cancelled; nothing was stored.');
  }
}
