// The session layer: connect and log in, tree connect, and the file operations on top of one
// SmbConnection (message bodies and reply parsing are in messages.ts).
import { SmbConnection, type ChainItem, type SmbResponse } from './connection.js';
import type { CipherName } from './crypto.js';
import { SmbError, SmbProtocolError, SmbStatusError, SmbTimeoutError } from './errors.js';
import { negotiate, reauthenticate, sessionSetup, validateNegotiate, type Credentials, type Negotiated } from './handshake.js';
import {
  closeRequest,
  createRequest,
  emptyRequest,
  parseCreate,
  parseQueryDirectory,
  parseRead,
  parseTreeConnect,
  parseWrite,
  queryDirectoryRequest,
  readRequest,
  renameRequest,
  setTimesRequest,
  treeConnectRequest,
  writeRequest,
  type OpenParams,
  type OpenResult,
  type SetTimesOptions,
  type SmbEntry,
} from './messages.js';
import { Access, Command, CreateOptions, Dialect, dialectByName, dialectName, Disposition, FileAttributes, ShareAccess, type DialectName, RELATED_FILE_ID } from './protocol.js';
import type { SigningAlgorithm } from './security.js';
import { NtStatus } from './status.js';
import { SmbReadStream, SmbWriteStream, type ReadStreamOptions, type WriteStreamOptions } from './streams.js';
import { download, upload, type DownloadOptions, type DownloadSink, type UploadOptions, type UploadSource } from './transfer.js';
import { joinPath, parseSmbUrl, toSmbPath, type SmbUrl } from './url.js';

export type { OpenParams, OpenResult, SetTimesOptions, SmbEntry, SmbEntryType } from './messages.js';

export interface SmbConnectOptions {
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** TCP connect + negotiate + login timeout (default 30 s). */
  connectTimeoutMs?: number;
  /** Dialects to offer (default all: 2.0.2 … 3.1.1). */
  dialects?: DialectName[];
  /** Sign every message even if the server does not require it. */
  requireSigning?: boolean;
  /** Encrypt every message (SMB 3.x only) even if the server does not require it. */
  requireEncryption?: boolean;
  /** SMB 3.1.1 ciphers to offer, in preference order (default GCM before CCM, 128 before 256). */
  ciphers?: CipherName[];
  /** SMB 3.1.1 signing algorithms to offer, in preference order (default GMAC, CMAC, HMAC). */
  signingAlgorithms?: SigningAlgorithm[];
  /** Credits to keep in hand: bounds requests in flight (default 512). */
  targetCredits?: number;
  /** QUERY_DIRECTORY output buffer in bytes (default 1 MiB, capped by the server's maximum). */
  listBufferSize?: number;
  /** Directory listings walked in parallel by walk() (default 8). */
  walkConcurrency?: number;
}

export interface SmbSessionInfo {
  dialect: DialectName;
  signing: boolean;
  encryption: boolean;
  cipher: string | undefined;
  signingAlgorithm: string;
  maxReadSize: number;
  maxWriteSize: number;
}

/** What the rest of BackTrac uses: one authenticated session on one share. */
export interface SmbSession {
  readonly info: SmbSessionInfo;
  list(dir: string): Promise<SmbEntry[]>;
  walk(dir: string): AsyncIterable<SmbEntry>;
  stat(path: string): Promise<SmbEntry>;
  createReadStream(path: string, options?: ReadStreamOptions): SmbReadStream;
  createWriteStream(path: string, options?: WriteStreamOptions): SmbWriteStream;
  /**
   * Whole-file read into `sink` with reused buffers (each chunk is lent until the sink's promise
   * settles): less CPU per byte than createReadStream. Resolves with the bytes delivered.
   */
  download(path: string, sink: DownloadSink, options?: DownloadOptions): Promise<number>;
  /** Whole-file write from `source`, which fills reused buffers in order. Resolves with the bytes written. */
  upload(path: string, source: UploadSource, options?: UploadOptions): Promise<number>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: Uint8Array, options?: { overwrite?: boolean }): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  rename(from: string, to: string, options?: { overwrite?: boolean }): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  setTimes(path: string, times: SetTimesOptions): Promise<void>;
  close(): Promise<void>;
}

export class SmbClientSession implements SmbSession {
  readonly conn: SmbConnection;
  private readonly url: SmbUrl;
  private readonly creds: Credentials;
  private readonly options: SmbConnectOptions;
  private negotiatedParameters: Negotiated | undefined;
  private treeId = 0;
  private treeEncrypt = false;
  private reauthInFlight: Promise<void> | undefined;
  private closed = false;

  constructor(url: SmbUrl, creds: Credentials, options: SmbConnectOptions) {
    this.url = url;
    this.creds = creds;
    this.options = options;
    this.conn = new SmbConnection({
      host: url.host,
      port: url.port,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      requestTimeoutMs: options.timeoutMs ?? 60_000,
      targetCredits: options.targetCredits,
    });
  }

  /** What NEGOTIATE settled; defined once start() has negotiated. */
  get negotiated(): Negotiated {
    if (!this.negotiatedParameters) throw new SmbError('session has not negotiated yet', 'ECLOSED');
    return this.negotiatedParameters;
  }

  get info(): SmbSessionInfo {
    const c = this.conn;
    const n = this.negotiated;
    return {
      dialect: dialectName(n.dialect),
      signing: c.signingRequired && !c.encryptData,
      encryption: c.encryptData || this.treeEncrypt,
      cipher: c.encryptData || this.treeEncrypt ? n.cipher : undefined,
      signingAlgorithm: n.signingAlgorithm,
      maxReadSize: n.maxReadSize,
      maxWriteSize: n.maxWriteSize,
    };
  }

  async start(): Promise<void> {
    const o = this.options;
    const connectTimeout = o.connectTimeoutMs ?? 30_000;
    const dialects = (o.dialects ?? ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1']).map((d) => dialectByName[d]);
    const work = (async (): Promise<void> => {
      await this.conn.open();
      const negotiated = await negotiate(this.conn, {
        dialects,
        requireSigning: o.requireSigning === true,
        encryption: true,
        ciphers: o.ciphers,
        signingAlgorithms: o.signingAlgorithms,
      });
      this.negotiatedParameters = negotiated;
      this.conn.useDialect(negotiated.dialect, negotiated.signingRequired);
      if (o.requireEncryption && !negotiated.cipher) {
        throw new SmbError(`server at ${this.url.host} negotiated dialect ${dialectName(negotiated.dialect)} without encryption`, 'EENCRYPTION');
      }
      const established = await sessionSetup(this.conn, negotiated, this.creds);
      this.conn.useSession(established.sessionId, established.security, established.encryptData || o.requireEncryption === true);
      await this.treeConnect();
      if (!this.conn.encryptData && !this.treeEncrypt) await validateNegotiate(this.conn, negotiated, this.treeId);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SmbTimeoutError(`connect to ${this.url.host}:${this.url.port}`, connectTimeout)), connectTimeout);
    });
    try {
      await Promise.race([work, timeout]);
    } catch (err) {
      this.conn.destroy();
      work.catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async treeConnect(): Promise<void> {
    let res: SmbResponse;
    try {
      res = await this.conn.request(Command.TREE_CONNECT, treeConnectRequest(this.url.host, this.url.share), { path: this.url.share });
    } catch (err) {
      if (err instanceof SmbStatusError) throw new SmbStatusError(err.status, 'TREE_CONNECT', this.url.share, `(share "\\\\${this.url.host}\\${this.url.share}")`);
      throw err;
    }
    const { encryptData } = parseTreeConnect(res);
    this.treeId = res.treeId;
    if (encryptData) {
      if (!this.negotiated.cipher) throw new SmbProtocolError('share requires encryption but no cipher was negotiated');
      this.treeEncrypt = true;
    }
  }

  /**
   * Send a related compound chain on the tree (one round trip) and wait for every reply. The first
   * failure in chain order is thrown (a failed CREATE fails the requests that follow it); an
   * expired session is re-authenticated once and the chain sent again.
   */
  async chain(items: ChainItem[], retried = false): Promise<SmbResponse[]> {
    const path = items[0]?.options?.path;
    if (this.closed) throw new SmbError('session is closed', 'ECLOSED', path);
    const settled = await Promise.allSettled(this.conn.compound(this.onTree(items)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return settled.map((r) => (r as PromiseFulfilledResult<SmbResponse>).value);
    const err = failed.reason as Error;
    if (!retried && err instanceof SmbStatusError && err.status === NtStatus.NETWORK_SESSION_EXPIRED) {
      await this.reauthenticate();
      return this.chain(items, true);
    }
    throw err;
  }

  /** The requests addressed to our tree, encrypted when the share demands it. */
  private onTree(items: readonly ChainItem[]): ChainItem[] {
    return items.map((it) => ({ ...it, options: { treeId: this.treeId, encrypt: this.treeEncrypt, ...it.options } }));
  }

  private reauthenticate(): Promise<void> {
    this.reauthInFlight ??= reauthenticate(this.conn, this.negotiated, this.creds).finally(() => {
      this.reauthInFlight = undefined;
    });
    return this.reauthInFlight;
  }

  /** Share-relative SMB path for a user path (relative to the URL's base path). */
  smbPath(path: string): string {
    return toSmbPath(joinPath(this.url.path, path));
  }

  private createItem(path: string, p: OpenParams): ChainItem {
    return createRequest(this.smbPath(path), p, path);
  }

  // ----- primitives used by the streams -----

  async open(path: string, p: OpenParams): Promise<OpenResult> {
    const [res] = await this.chain([this.createItem(path, p)]);
    return parseCreate(res!);
  }

  async closeHandle(fileId: Buffer, path?: string): Promise<void> {
    await this.chain([closeRequest(fileId, path)]);
  }

  /** Read up to `length` bytes at `offset`; an empty buffer at end of file. */
  async read(fileId: Buffer, offset: number, length: number, path?: string): Promise<Buffer> {
    const [res] = await this.chain([readRequest(fileId, offset, length, path)]);
    return parseRead(res!, length);
  }

  /**
   * Read up to `target.length` bytes at `offset` into `target`; resolves with the count (0 at end
   * of file). `target` must not be touched until this settles. On a plain session the reply is
   * received straight into `target`; on a signed or encrypted one it is verified first, then copied.
   */
  async readInto(fileId: Buffer, offset: number, target: Buffer, path?: string): Promise<number> {
    const [res] = await this.chain([readRequest(fileId, offset, target.length, path, target)]);
    if (res!.direct !== undefined) return res!.direct;
    const data = parseRead(res!, target.length);
    data.copy(target, 0);
    return data.length;
  }

  async write(fileId: Buffer, offset: number, data: Buffer, path?: string): Promise<number> {
    const [res] = await this.chain([writeRequest(fileId, offset, data, path)]);
    return parseWrite(res!);
  }

  /** CREATE, then `middle` on the new handle, then CLOSE: one round trip. */
  private async openUseClose(path: string, p: OpenParams, middle: ChainItem[] = []): Promise<{ open: OpenResult; replies: SmbResponse[] }> {
    const replies = await this.chain([this.createItem(path, p), ...middle, closeRequest(RELATED_FILE_ID, path)]);
    return { open: parseCreate(replies[0]!), replies: replies.slice(1, -1) };
  }

  // ----- the public interface -----

  async stat(path: string): Promise<SmbEntry> {
    const { open } = await this.openUseClose(path, {
      access: Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
      disposition: Disposition.OPEN,
      options: 0,
    });
    const clean = path.split(/[/\\]+/).filter(Boolean);
    return { name: clean[clean.length - 1] ?? '', path: clean.join('/'), ...open.entry };
  }

  async list(dir: string): Promise<SmbEntry[]> {
    const out: SmbEntry[] = [];
    await this.listInto(dir, (e) => out.push(e));
    return out;
  }

  private async listInto(dir: string, onEntry: (e: SmbEntry) => void): Promise<void> {
    const base = dir.split(/[/\\]+/).filter(Boolean).join('/');
    const outLen = Math.min(this.negotiated.maxTransactSize, this.options.listBufferSize ?? 1024 * 1024);
    const params = {
      access: Access.FILE_LIST_DIRECTORY | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
      disposition: Disposition.OPEN,
      options: CreateOptions.DIRECTORY_FILE,
    };
    // CREATE and the first QUERY_DIRECTORY travel together.
    const [createP, firstP] = this.chainSettled([this.createItem(dir, params), queryDirectoryRequest(RELATED_FILE_ID, true, outLen, dir)]);
    const created = await createP!;
    if (created.status === 'rejected') {
      await firstP;
      throw created.reason;
    }
    const fileId = parseCreate(created.value).fileId;
    try {
      let res = await firstP!;
      for (;;) {
        if (res.status === 'rejected') throw res.reason;
        if (!parseQueryDirectory(res.value, base, onEntry)) return;
        res = await outcome(this.chain([queryDirectoryRequest(fileId, false, outLen, dir)]).then(([r]) => r!));
      }
    } finally {
      await this.closeHandle(fileId, dir).catch(() => undefined);
    }
  }

  /** Like chain() but hands back each reply's outcome separately (no retry on expiry). */
  private chainSettled(items: ChainItem[]): Promise<PromiseSettledResult<SmbResponse>>[] {
    if (this.closed) {
      const err = new SmbError('session is closed', 'ECLOSED', items[0]?.options?.path);
      return items.map(() => Promise.resolve({ status: 'rejected', reason: err } as const));
    }
    return this.conn.compound(this.onTree(items)).map(outcome);
  }

  async *walk(dir: string): AsyncIterable<SmbEntry> {
    const concurrency = this.options.walkConcurrency ?? 8;
    const pendingDirs: string[] = [dir];
    const ready: SmbEntry[] = [];
    const running = new Set<Promise<void>>();
    let failure: unknown;
    const startList = (d: string): void => {
      const p: Promise<void> = this.listInto(d, (e) => ready.push(e))
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => running.delete(p));
      running.add(p);
    };
    for (;;) {
      while (running.size < concurrency && pendingDirs.length > 0) startList(pendingDirs.shift()!);
      if (ready.length === 0) {
        if (failure) throw failure;
        if (running.size === 0) return;
        await Promise.race(running);
        continue;
      }
      const batch = ready.splice(0, ready.length);
      for (const e of batch) {
        if (e.type === 'directory') pendingDirs.push(e.path);
        yield e;
      }
      if (failure) throw failure;
    }
  }

  createReadStream(path: string, options: ReadStreamOptions = {}): SmbReadStream {
    return new SmbReadStream(this, path, options);
  }

  createWriteStream(path: string, options: WriteStreamOptions = {}): SmbWriteStream {
    return new SmbWriteStream(this, path, options);
  }

  download(path: string, sink: DownloadSink, options: DownloadOptions = {}): Promise<number> {
    return download(this, path, sink, options);
  }

  upload(path: string, source: UploadSource, options: UploadOptions = {}): Promise<number> {
    return upload(this, path, source, options);
  }

  /** Whole file in memory; files up to 1 MiB take a single round trip (CREATE+READ+CLOSE). */
  async readFile(path: string): Promise<Buffer> {
    const first = Math.min(this.negotiated.maxReadSize, 1024 * 1024);
    const { open, replies } = await this.openUseClose(
      path,
      {
        access: Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.OPEN,
        options: CreateOptions.NON_DIRECTORY_FILE,
        share: ShareAccess.READ | ShareAccess.WRITE,
      },
      [readRequest(RELATED_FILE_ID, 0, first, path)],
    );
    const head = Buffer.from(parseRead(replies[0]!, first));
    // Done when we have what CREATE said the file holds; otherwise (large file, or a short read)
    // continue from there, which also turns a file that shrank under us into an error.
    if (head.length >= open.entry.size) return head;
    const chunks: Buffer[] = [head];
    for await (const c of this.createReadStream(path, { start: head.length })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async writeFile(path: string, data: Uint8Array, options: { overwrite?: boolean } = {}): Promise<void> {
    const ws = this.createWriteStream(path, { overwrite: options.overwrite ?? true });
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('finish', resolve);
      ws.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
  }

  async mkdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const create = async (p: string, disposition: number): Promise<void> => {
      await this.openUseClose(p, {
        access: Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition,
        options: CreateOptions.DIRECTORY_FILE,
        attributes: FileAttributes.DIRECTORY,
      });
    };
    if (!options.recursive) {
      await create(path, Disposition.CREATE);
      return;
    }
    const parts = path.split(/[/\\]+/).filter(Boolean);
    if (parts.length === 0) return;
    try {
      await create(parts.join('/'), Disposition.OPEN_IF);
    } catch (err) {
      if (!(err instanceof SmbStatusError) || err.status !== NtStatus.OBJECT_PATH_NOT_FOUND || parts.length === 1) throw err;
      await this.mkdir(parts.slice(0, -1).join('/'), { recursive: true });
      await create(parts.join('/'), Disposition.OPEN_IF);
    }
  }

  async rename(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<void> {
    await this.openUseClose(from, { access: Access.DELETE | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE, disposition: Disposition.OPEN, options: 0 }, [
      renameRequest(RELATED_FILE_ID, this.smbPath(to), options.overwrite === true, from),
    ]);
  }

  private async remove(path: string, directory: boolean): Promise<void> {
    await this.openUseClose(path, {
      access: Access.DELETE | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
      disposition: Disposition.OPEN,
      options: (directory ? CreateOptions.DIRECTORY_FILE : CreateOptions.NON_DIRECTORY_FILE) | CreateOptions.DELETE_ON_CLOSE,
    });
  }

  unlink(path: string): Promise<void> {
    return this.remove(path, false);
  }

  rmdir(path: string): Promise<void> {
    return this.remove(path, true);
  }

  async setTimes(path: string, times: SetTimesOptions): Promise<void> {
    await this.openUseClose(path, { access: Access.FILE_WRITE_ATTRIBUTES | Access.SYNCHRONIZE, disposition: Disposition.OPEN, options: 0 }, [
      setTimesRequest(RELATED_FILE_ID, times, path),
    ]);
  }

  async setTimesOnHandle(fileId: Buffer, times: SetTimesOptions, path?: string): Promise<void> {
    await this.chain([setTimesRequest(fileId, times, path)]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const conn = this.conn;
    if (!conn.isClosed && !conn.timedOut) {
      const quick = { timeoutMs: 5000 };
      try {
        await conn.request(Command.TREE_DISCONNECT, emptyRequest(), { ...quick, treeId: this.treeId, encrypt: this.treeEncrypt });
        await conn.request(Command.LOGOFF, emptyRequest(), quick);
      } catch {
        // the server may already be gone; closing the socket is what matters
      }
    }
    conn.destroy();
  }
}

/** A promise's outcome as a value, so that a failure is handled where the outcome is looked at. */
function outcome<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason: unknown) => ({ status: 'rejected', reason }) as const,
  );
}

/** Connect, authenticate and tree-connect to the share named in `url`. */
export async function connect(
  url: string,
  credentials: { username?: string; password: string; domain?: string },
  options: SmbConnectOptions = {},
): Promise<SmbSession> {
  const parsed = parseSmbUrl(url);
  const username = credentials.username ?? parsed.username;
  if (!username) throw new SmbError(`no user name in ${url} and none given`, 'EINVAL');
  const session = new SmbClientSession(parsed, { username, password: credentials.password, domain: credentials.domain ?? parsed.domain }, options);
  try {
    await session.start();
  } catch (err) {
    if (err instanceof SmbError) throw err;
    // A reply that slipped past the length checks: still a typed error, never a crash.
    throw new SmbProtocolError(`malformed reply during connect: ${(err as Error).message}`);
  }
  return session;
}

export { Dialect };
