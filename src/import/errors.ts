// A problem with the whole import file (no header, no users yet…): one Chinese sentence saying what to fix.
export class ImportFileError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
    this.name = 'ImportFileError';
  }
}
