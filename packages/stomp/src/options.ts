// What a STOMP connection needs from its byte channel, and the connector's options.

/** The byte channel under a STOMP connection (a TCP socket or a WebSocket). */
export interface StompSink {
  readonly remoteAddress: string;
  /** Subject DN of the client's verified TLS certificate (certificate login). */
  readonly peerDN?: string | null;
  /**
   * A byte stream (TCP), where frames written one after another may leave as one write. A
   * WebSocket is not: each write is one message, and clients expect one frame per message.
   */
  readonly stream?: boolean;
  /** One encoded frame (or heart-beat); `binary` tells a message channel the frame's kind. */
  write(data: Buffer, binary: boolean): void;
  /** Flush what was written, then close. */
  end(): void;
  /** True while written data waits for the network (auto-acks wait for onDrain). */
  congested(): boolean;
  onDrain(fn: () => void): void;
  /** `fn` is called when written data waits past the congestion threshold (congested() holds). */
  onCongestion?(fn: () => void): void;
  pause(): void;
  resume(): void;
}

export interface StompOptions {
  /** Largest body, and cap of the header section (the broker's maxFrameSize). */
  maxFrameSize: number;
  /** Read heart-beat slack: close after `interval × multiplier` of silence (ActiveMQ transport.hbGracePeriodMultiplier). */
  hbGracePeriodMultiplier: number;
  /** Heart-beat assumed when CONNECT has none (ActiveMQ transport.defaultHeartBeat), `cx,cy`. */
  defaultHeartBeat: readonly [number, number];
  /** Shortest heart-beat interval the broker agrees to, ms. */
  minHeartBeat: number;
  /** ms to CONNECT (the connector's transport.connectAttemptTimeout); default the broker's. */
  connectAttemptTimeout?: number;
}

export const DEFAULT_STOMP_OPTIONS: StompOptions = {
  maxFrameSize: 100 * 1024 * 1024,
  hbGracePeriodMultiplier: 1.5,
  defaultHeartBeat: [0, 0],
  minHeartBeat: 100,
};
