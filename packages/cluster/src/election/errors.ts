export type ElectionErrorCode =
  /** Invalid options or member info. */
  | 'ELECTION_CONFIG'
  /** start() called twice, or an operation after stop(). */
  | 'ELECTION_STATE'
  /** stop() was called while start() was still waiting to register. */
  | 'ELECTION_STOPPED'
  /** ZooKeeper refused the group's znodes to this session (cluster.zkPassword). */
  | 'ELECTION_AUTH';

export class ElectionError extends Error {
  override readonly name = 'ElectionError';
  constructor(
    readonly code: ElectionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
