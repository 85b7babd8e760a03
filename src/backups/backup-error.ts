/**
 * A backup, verification or restore that did not happen, with a message an
 * operator can act on. Jobs retry it (a full disk or an unreachable server
 * may recover); the CLI prints the message without a stack.
 */
export class BackupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
  }
}
