// SMB2/3 transport: one TCP connection, Direct-TCP framing, message ids and credits, interim
// (STATUS_PENDING) replies, compound replies, per-request timeouts. Signing and encryption are
// applied through the session's SessionSecurity once it is installed.
import { connect as tcpConnect, type Socket } from 'node:net';
import { SmbConnectionError, SmbProtocolError, SmbStatusError, SmbTimeoutError } from './errors.js';
import { Command, commandNames, Dialect, HEADER_SIZE, HeaderFlags, PROTOCOL_SMB2 } from './protocol.js';
import { PROTOCOL_TRANSFORM, TRANSFORM_HEADER_SIZE, type SessionSecurity } from './security.js';
import { NtStatus } from './status.js';

const CREDIT_UNIT = 65536;
/** SMB2 header + READ response fixed part (StructureSize 17: 16 bytes before the data). */
const PEEK_SIZE = HEADER_SIZE + 16;

export interface SmbResponse {
  /** The whole SMB2 message (header at offset 0), so body offsets from the spec apply as-is. */
  msg: Buffer;
  /**
   * Set on a READ reply whose data went straight into the request's `into` buffer (then `msg` is
   * only the header and the READ response's fixed part): the number of bytes placed there.
   */
  direct?: number;
  status: number;
  command: number;
  flags: number;
  messageId: bigint;
  sessionId: bigint;
  treeId: number;
}

export interface RequestOptions {
  treeId?: number;
  /** Bytes expected back (reads, directory queries), for the credit charge. */
  responseSize?: number;
  /** Path the request is about, for error messages. */
  path?: string;
  timeoutMs?: number;
  /** Statuses other than SUCCESS that are returned instead of thrown. */
  okStatuses?: readonly number[];
  /** Called with the exact bytes sent (for the 3.1.1 pre-authentication hash). */
  onSent?: (msg: Buffer) => void;
  /** Do not sign/encrypt (NEGOTIATE, first SESSION_SETUP legs). */
  plain?: boolean;
  /** Encrypt even if the session does not require it (tree with SHARE_FLAG_ENCRYPT_DATA). */
  encrypt?: boolean;
  sessionId?: bigint;
  /**
   * READ only: the caller's buffer for the data. A plain (unsigned, unencrypted, uncompounded)
   * SUCCESS reply is received straight into it instead of into a frame buffer of its own; the
   * buffer is the caller's again once the request settles (never written after that).
   */
  into?: Buffer;
}

interface Pending {
  resolve: (r: SmbResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  command: number;
  creditRequest: number;
  charge: number;
  options: RequestOptions;
  sentEncrypted: boolean;
}

export interface ChainItem {
  command: number;
  body: Buffer | readonly Buffer[];
  options?: RequestOptions;
}

interface Queued {
  charge: number;
  start: () => void;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Largest frame accepted from the server; anything larger is a protocol error. */
  maxFrameSize?: number;
  /** Credits we try to keep available (bounds the number of requests in flight). */
  targetCredits?: number;
}

export class SmbConnection {
  /** The negotiated dialect (0 until NEGOTIATE): decides credit charges and 3.1.1 signing rules. */
  dialect = 0;
  sessionId = 0n;
  signingRequired = false;
  encryptData = false;
  /** The session's keys (see useSession); until then nothing is signed, verified or encrypted. */
  private security: SessionSecurity | undefined;

  private socket: Socket | undefined;
  private readonly opts: ConnectionOptions;
  private readonly maxFrame: number;
  private readonly targetCredits: number;
  private nextMessageId = 0n;
  private credits = 1;
  private promised = 0;
  private readonly pending = new Map<bigint, Pending>();
  private readonly queue: Queued[] = [];
  private readonly head = Buffer.alloc(4);
  private headFill = 0;
  private frame: Buffer | undefined;
  private frameFill = 0;
  /** Length of the frame being received (from the Direct-TCP header); 0 between frames. */
  private frameLen = 0;
  /** The first bytes of every frame, to decide where the rest goes. */
  private readonly peek = Buffer.alloc(PEEK_SIZE);
  private peekFill = 0;
  /** A READ reply being received into its request's buffer. */
  private directTarget: { id: bigint; p: Pending; into: Buffer; dataLen: number; fill: number; skip: number } | undefined;
  private closedError: Error | undefined;
  private closeListeners: ((err: Error) => void)[] = [];

  constructor(opts: ConnectionOptions) {
    this.opts = opts;
    this.maxFrame = opts.maxFrameSize ?? 16 * 1024 * 1024 + 4096;
    this.targetCredits = opts.targetCredits ?? 512;
  }

  /** Set once a request timed out: the peer may be hung, so closing skips the polite goodbye. */
  timedOut = false;
  /** Interim STATUS_PENDING replies seen (diagnostics; the final reply is what counts). */
  interimReplies = 0;
  /** READ replies received straight into the caller's buffer (diagnostics). */
  directReads = 0;

  /** Install what NEGOTIATE settled. */
  useDialect(dialect: number, signingRequired: boolean): void {
    this.dialect = dialect;
    this.signingRequired = signingRequired;
  }

  /** Install an authenticated session: from now on messages are signed or encrypted with its keys. */
  useSession(sessionId: bigint, security: SessionSecurity, encryptData: boolean): void {
    this.sessionId = sessionId;
    this.security = security;
    this.encryptData = encryptData;
  }

  get isClosed(): boolean {
    return this.closedError !== undefined;
  }

  onClose(listener: (err: Error) => void): void {
    this.closeListeners.push(listener);
  }

  async open(): Promise<void> {
    const { host, port, connectTimeoutMs } = this.opts;
    await new Promise<void>((resolve, reject) => {
      const socket = tcpConnect({
        host,
        port,
        noDelay: true,
        // Read straight into one large reusable buffer: far fewer syscalls and callbacks than the
        // default 64 KiB 'data' chunks on multi-MiB READ replies.
        onread: {
          buffer: Buffer.allocUnsafe(1024 * 1024),
          callback: (n: number, buf: Uint8Array): boolean => {
            this.onBytes(Buffer.from(buf.buffer, buf.byteOffset, n));
            return true;
          },
        },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SmbTimeoutError(`connect to ${host}:${port}`, connectTimeoutMs));
      }, connectTimeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new SmbConnectionError(`cannot connect to ${host}:${port}: ${err.message}`, (err as NodeJS.ErrnoException).code ?? 'ECONNREFUSED', { cause: err }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        this.socket = socket;
        socket.on('error', (err) => this.fail(new SmbConnectionError(`connection to ${host}:${port} failed: ${err.message}`, (err as NodeJS.ErrnoException).code ?? 'ECONNRESET', { cause: err })));
        socket.on('close', () => this.fail(new SmbConnectionError(`connection to ${host}:${port} closed by the server`)));
        resolve();
      });
    });
  }

  /** Close the socket and fail everything outstanding. */
  destroy(err?: Error): void {
    this.fail(err ?? new SmbConnectionError('connection closed', 'ECONNABORTED'));
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.socket?.destroy();
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.queue.length = 0;
    this.frame = undefined;
    this.directTarget = undefined;
    for (const l of this.closeListeners) l(err);
  }

  // ---------- receive path ----------

  /**
   * Bytes from the socket, read into a buffer that is reused after we return: every frame is
   * copied exactly once, either into a buffer of its own size (bounded by maxFrame) or, for a
   * plain READ reply whose request supplied `into`, straight into that buffer.
   */
  private onBytes(chunk: Buffer): void {
    if (this.closedError) return;
    try {
      let off = 0;
      while (off < chunk.length) {
        if (this.frameLen === 0) {
          const n = Math.min(4 - this.headFill, chunk.length - off);
          chunk.copy(this.head, this.headFill, off, off + n);
          this.headFill += n;
          off += n;
          if (this.headFill < 4) return;
          this.headFill = 0;
          if (this.head[0] !== 0) throw new SmbProtocolError(`unexpected Direct-TCP frame type 0x${this.head[0]!.toString(16)}`);
          const len = this.head.readUIntBE(1, 3);
          if (len > this.maxFrame) throw new SmbProtocolError(`frame of ${len} bytes exceeds the limit of ${this.maxFrame}`);
          if (len < HEADER_SIZE) throw new SmbProtocolError(`frame of ${len} bytes is shorter than an SMB2 header`);
          this.frameLen = len;
          this.peekFill = 0;
          this.frame = undefined;
          this.directTarget = undefined;
        }
        if (!this.frame && !this.directTarget) {
          // Collect the header (and a READ reply's fixed part) before choosing the destination.
          const want = Math.min(PEEK_SIZE, this.frameLen);
          const n = Math.min(want - this.peekFill, chunk.length - off);
          chunk.copy(this.peek, this.peekFill, off, off + n);
          this.peekFill += n;
          off += n;
          if (this.peekFill < want) return;
          this.directTarget = this.directCandidate();
          if (!this.directTarget) {
            this.frame = Buffer.allocUnsafe(this.frameLen);
            this.peek.copy(this.frame, 0, 0, want);
            this.frameFill = want;
          }
        }
        const d = this.directTarget;
        if (d) {
          if (d.fill < d.dataLen) {
            const n = Math.min(d.dataLen - d.fill, chunk.length - off);
            // Only while the request is still waiting: after a timeout the buffer is the caller's.
            if (this.pending.get(d.id) === d.p) chunk.copy(d.into, d.fill, off, off + n);
            d.fill += n;
            off += n;
          } else {
            const n = Math.min(d.skip, chunk.length - off);
            d.skip -= n;
            off += n;
          }
          if (d.fill === d.dataLen && d.skip === 0) {
            this.directTarget = undefined;
            this.frameLen = 0;
            this.directReads++;
            this.onMessage(Buffer.from(this.peek), false, d.dataLen);
            if (this.closedError) return;
          }
          continue;
        }
        const frame = this.frame!;
        const n = Math.min(frame.length - this.frameFill, chunk.length - off);
        chunk.copy(frame, this.frameFill, off, off + n);
        this.frameFill += n;
        off += n;
        if (this.frameFill === frame.length) {
          this.frame = undefined;
          this.frameLen = 0;
          this.onFrame(frame);
          if (this.closedError) return;
        }
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new SmbProtocolError(String(err)));
    }
  }

  /**
   * Whether the frame whose first PEEK_SIZE bytes are in `peek` is a plain successful READ reply
   * for a waiting request that asked for its data in `into`: not a transform (encrypted) frame,
   * not compounded, not signed (a signature covers the whole message, which we would not keep),
   * data right after the fixed part and no larger than what was asked for.
   */
  private directCandidate(): typeof this.directTarget {
    const h = this.peek;
    const len = this.frameLen;
    if (len < PEEK_SIZE || this.peekFill < PEEK_SIZE) return undefined;
    if (h.readUInt32LE(0) !== PROTOCOL_SMB2 || h.readUInt16LE(4) !== HEADER_SIZE) return undefined;
    if (h.readUInt32LE(8) !== NtStatus.SUCCESS || h.readUInt16LE(12) !== Command.READ) return undefined;
    const flags = h.readUInt32LE(16);
    if (!(flags & HeaderFlags.SERVER_TO_REDIR) || flags & HeaderFlags.SIGNED || h.readUInt32LE(20) !== 0) return undefined;
    const id = h.readBigUInt64LE(24);
    const p = this.pending.get(id);
    const into = p?.options.into;
    if (!p || !into || p.command !== Command.READ || p.sentEncrypted) return undefined;
    if (h.readUInt16LE(HEADER_SIZE) !== 17 || h.readUInt8(HEADER_SIZE + 2) !== PEEK_SIZE) return undefined;
    const dataLen = h.readUInt32LE(HEADER_SIZE + 4);
    if (dataLen === 0 || dataLen > into.length || PEEK_SIZE + dataLen > len) return undefined;
    return { id, p, into, dataLen, fill: 0, skip: len - PEEK_SIZE - dataLen };
  }

  private onFrame(frame: Buffer): void {
    const protocol = frame.readUInt32LE(0);
    let encrypted = false;
    if (protocol === PROTOCOL_TRANSFORM) {
      if (frame.length < TRANSFORM_HEADER_SIZE + HEADER_SIZE) throw new SmbProtocolError('truncated transform header');
      if (!this.security) throw new SmbProtocolError('encrypted message on a connection without keys');
      frame = this.security.decrypt(frame);
      encrypted = true;
    } else if (protocol !== PROTOCOL_SMB2) {
      throw new SmbProtocolError(`unknown protocol id 0x${protocol.toString(16)}`);
    }
    // A frame may hold several compounded responses.
    let off = 0;
    for (;;) {
      if (frame.length - off < HEADER_SIZE) throw new SmbProtocolError('truncated SMB2 header');
      const next = frame.readUInt32LE(off + 20);
      if (next !== 0 && (next < HEADER_SIZE || next % 8 !== 0 || off + next > frame.length)) {
        throw new SmbProtocolError('invalid NextCommand offset');
      }
      const msg = next === 0 ? frame.subarray(off) : frame.subarray(off, off + next);
      this.onMessage(msg, encrypted);
      if (next === 0) break;
      off += next;
    }
  }

  private onMessage(msg: Buffer, encrypted: boolean, direct?: number): void {
    if (msg.readUInt32LE(0) !== PROTOCOL_SMB2 || msg.readUInt16LE(4) !== HEADER_SIZE) {
      throw new SmbProtocolError('invalid SMB2 header');
    }
    const status = msg.readUInt32LE(8);
    const command = msg.readUInt16LE(12);
    const creditResponse = msg.readUInt16LE(14);
    const flags = msg.readUInt32LE(16);
    const messageId = msg.readBigUInt64LE(24);
    const sessionId = msg.readBigUInt64LE(40);
    if (!(flags & HeaderFlags.SERVER_TO_REDIR)) throw new SmbProtocolError('message without the response flag');
    if (messageId === 0xffffffffffffffffn) return; // unsolicited oplock/lease break: we never ask for oplocks
    const p = this.pending.get(messageId);
    this.credits += creditResponse;
    const interim = status === NtStatus.PENDING && (flags & HeaderFlags.ASYNC_COMMAND) !== 0;
    if (!p) {
      this.drainQueue();
      return; // a reply to a request that timed out
    }
    if (p.creditRequest) {
      this.promised -= p.creditRequest;
      p.creditRequest = 0;
    }
    if (command !== p.command) {
      this.settle(messageId, p, new SmbProtocolError(`reply to ${commandNames[p.command]} carries command ${command}`));
      return;
    }
    if (interim) {
      this.interimReplies++;
      this.drainQueue();
      return; // the final reply will follow with the same message id
    }
    const treeId = flags & HeaderFlags.ASYNC_COMMAND ? 0 : msg.readUInt32LE(36);
    try {
      this.checkIntegrity(msg, status, flags, encrypted, p);
    } catch (err) {
      this.settle(messageId, p, err as Error);
      return;
    }
    const res: SmbResponse = { msg, direct, status, command, flags, messageId, sessionId, treeId };
    if (status === NtStatus.SUCCESS || p.options.okStatuses?.includes(status)) {
      this.settle(messageId, p, undefined, res);
    } else {
      this.settle(messageId, p, new SmbStatusError(status, commandNames[command] ?? `command ${command}`, p.options.path));
    }
    this.drainQueue();
  }

  private checkIntegrity(msg: Buffer, status: number, flags: number, encrypted: boolean, p: Pending): void {
    const isError = status !== NtStatus.SUCCESS && status !== NtStatus.MORE_PROCESSING_REQUIRED && status !== NtStatus.BUFFER_OVERFLOW && status !== NtStatus.NO_MORE_FILES;
    if (p.sentEncrypted && !encrypted && !isError) {
      throw new SmbProtocolError('unencrypted reply on an encrypted session');
    }
    if (encrypted) return; // AEAD already authenticated it
    if (flags & HeaderFlags.SIGNED) {
      if (this.security && p.command !== Command.SESSION_SETUP) this.security.verify(msg);
    } else if (this.signingRequired && this.security && !p.options.plain && !isError) {
      throw new SmbProtocolError(`unsigned ${commandNames[p.command]} reply on a session that requires signing`);
    }
  }

  private settle(id: bigint, p: Pending, err?: Error, res?: SmbResponse): void {
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(res!);
  }

  // ---------- send path ----------

  private creditCharge(payload: number, responseSize: number): number {
    if (this.dialect === Dialect.SMB2_0_2 || this.dialect === 0) return 1;
    return Math.max(1, Math.ceil(Math.max(payload, responseSize) / CREDIT_UNIT));
  }

  private drainQueue(): void {
    while (this.queue.length > 0 && this.credits >= this.queue[0]!.charge) {
      const q = this.queue.shift()!;
      q.start();
    }
    if (this.queue.length > 0 && this.pending.size === 0 && !this.closedError) {
      this.fail(new SmbProtocolError(`server granted no credits (have ${this.credits}, need ${this.queue[0]!.charge})`));
    }
  }

  /**
   * Send one request. `body` is everything after the 64-byte header; it may be several buffers
   * (e.g. a WRITE's fixed part and its data) to avoid copying.
   */
  request(command: number, body: Buffer | readonly Buffer[], options: RequestOptions = {}): Promise<SmbResponse> {
    return this.submit([{ command, body, options }])[0]!;
  }

  /**
   * Send related requests as one compound chain (MS-SMB2 3.2.4.1.4): the second and later
   * operate on the FileId the first one opened (pass RELATED_FILE_ID). One round trip.
   */
  compound(items: readonly ChainItem[]): Promise<SmbResponse>[] {
    return this.submit(items);
  }

  private submit(items: readonly ChainItem[]): Promise<SmbResponse>[] {
    const prepared = items.map((it) => {
      const parts = Buffer.isBuffer(it.body) ? [it.body as Buffer] : [...(it.body as readonly Buffer[])];
      const payload = parts.reduce((n, b) => n + b.length, 0);
      return { command: it.command, parts, options: it.options ?? {}, charge: this.creditCharge(payload, it.options?.responseSize ?? 0) };
    });
    const total = prepared.reduce((n, p) => n + p.charge, 0);
    const settlers: { resolve: (r: SmbResponse) => void; reject: (e: Error) => void }[] = [];
    const promises = prepared.map(
      () => new Promise<SmbResponse>((resolve, reject) => settlers.push({ resolve, reject })),
    );
    const rejectAll = (err: Error): void => settlers.forEach((s) => s.reject(err));
    if (this.closedError) {
      rejectAll(this.closedError);
      return promises;
    }
    const start = (): void => {
      try {
        this.sendChain(prepared, settlers);
      } catch (err) {
        rejectAll(err as Error);
      }
    };
    if (this.queue.length === 0 && this.credits >= total) start();
    else this.queue.push({ charge: total, start });
    return promises;
  }

  private sendChain(
    chain: readonly { command: number; parts: Buffer[]; options: RequestOptions; charge: number }[],
    settlers: readonly { resolve: (r: SmbResponse) => void; reject: (e: Error) => void }[],
  ): void {
    if (this.closedError) {
      settlers.forEach((s) => s.reject(this.closedError!));
      return;
    }
    const first = chain[0]!;
    const options0 = first.options;
    const encrypt =
      !options0.plain && this.security?.canEncrypt === true && (this.encryptData || options0.encrypt === true) && first.command !== Command.NEGOTIATE;
    const message: Buffer[] = [];
    chain.forEach((item, index) => {
      const { command, parts, options, charge } = item;
      const last = index === chain.length - 1;
      const messageId = this.nextMessageId;
      this.nextMessageId += BigInt(charge);
      this.credits -= charge;
      const outstanding = this.credits + this.promised;
      const creditRequest = Math.min(8192, charge + Math.max(0, this.targetCredits - outstanding));
      this.promised += creditRequest;

      const header = Buffer.alloc(HEADER_SIZE);
      header.writeUInt32LE(PROTOCOL_SMB2, 0);
      header.writeUInt16LE(HEADER_SIZE, 4);
      header.writeUInt16LE(this.dialect === Dialect.SMB2_0_2 ? 0 : charge, 6);
      header.writeUInt16LE(command, 12);
      header.writeUInt16LE(creditRequest, 14);
      header.writeBigUInt64LE(messageId, 24);
      header.writeUInt32LE(options.treeId ?? 0, 36);
      const sessionId = options.sessionId ?? (command === Command.NEGOTIATE ? 0n : this.sessionId);
      header.writeBigUInt64LE(sessionId, 40);
      const body = [...parts];
      if (!last) {
        const len = HEADER_SIZE + body.reduce((n, b) => n + b.length, 0);
        const padded = (len + 7) & ~7;
        if (padded > len) body.push(Buffer.alloc(padded - len));
        header.writeUInt32LE(padded, 20);
      }
      let flags = index > 0 ? HeaderFlags.RELATED_OPERATIONS : 0;
      // SMB 3.1.1 signs TREE_CONNECT even when signing is not required (MS-SMB2 3.2.4.1.1).
      const sign =
        !encrypt &&
        !options.plain &&
        this.security !== undefined &&
        command !== Command.NEGOTIATE &&
        (this.signingRequired || (command === Command.TREE_CONNECT && this.dialect === Dialect.SMB3_1_1));
      if (sign) flags |= HeaderFlags.SIGNED;
      header.writeUInt32LE(flags, 16);
      if (sign) this.security!.sign(header, body, messageId, command);
      message.push(header, ...body);
      if (options.onSent) options.onSent(Buffer.concat([header, ...body]));

      const timeoutMs = options.timeoutMs ?? this.opts.requestTimeoutMs;
      const { resolve, reject } = settlers[index]!;
      const p: Pending = { resolve, reject, timer: undefined, command, creditRequest, charge, options, sentEncrypted: encrypt };
      p.timer = setTimeout(() => {
        if (this.pending.get(messageId) !== p) return;
        this.pending.delete(messageId);
        this.timedOut = true;
        this.promised -= p.creditRequest;
        p.creditRequest = 0;
        reject(new SmbTimeoutError(`${commandNames[command]} request`, timeoutMs, options.path));
      }, timeoutMs);
      this.pending.set(messageId, p);
    });

    const out = encrypt ? this.security!.encrypt(message, options0.sessionId ?? this.sessionId) : message;
    const total = out.reduce((n, b) => n + b.length, 0);
    const nb = Buffer.alloc(4);
    nb.writeUInt32BE(total & 0xffffff, 0);
    const socket = this.socket!;
    socket.cork();
    socket.write(nb);
    for (const b of out) socket.write(b);
    process.nextTick(() => socket.uncork());
  }
}
