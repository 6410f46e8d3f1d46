// `ws` ships without types and comes with the Feishu SDK; the fakes use only its server side.
declare module 'ws' {
  export class WebSocketServer {
    constructor(opts: { port?: number; host?: string; server?: unknown; noServer?: boolean });
    on(event: 'connection', cb: (socket: WebSocket, req: { url?: string }) => void): this;
    on(event: 'listening' | 'error', cb: (...a: any[]) => void): this;
    address(): { port: number };
    clients: Set<WebSocket>;
    close(cb?: () => void): void;
  }
  export class WebSocket {
    send(data: Uint8Array | string): void;
    on(event: 'message', cb: (data: Buffer) => void): this;
    on(event: 'close', cb: () => void): this;
    close(): void;
    terminate(): void;
  }
}
