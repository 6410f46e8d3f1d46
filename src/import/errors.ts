// A problem with the whole import file (no header, no users yet…): one Chinese sentence saying what to fix.
export class ImportFileError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
    this.name = 'ImportFileError';
  }
}

/** The server stopped during an import: what stays and how to finish it. */
export const IMPORT_STOPPED = '导入已中止（服务正在停止）。已写入的批次会保留；服务重新启动后再导入同一文件即可继续（已导入的行会被识别为已存在）。';
