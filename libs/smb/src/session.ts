// The session layer: tree connect and file operations on top of one SmbConnection.
import { SmbConnection, type ChainItem, type SmbResponse, type RequestOptions, type SigningAlgorithm } from './connection.js';
import type { CipherName } from './crypto.js';
import { SmbError, SmbProtocolError, SmbStatusError, SmbTimeoutError } from './errors.js';
import { negotiate, sessionSetup, validateNegotiate, type Credentials } from './handshake.js';
import {
  Access,
  Command,
  CreateOptions,
  Dialect,
  dialectByName,
  dialectName,
  Disposition,
  FileAttributes,
  FileInfoClass,
  InfoType,
  ShareAccess,
  dateToFileTime,
  fileTimeToDate,
  type DialectName,
  RELATED_FILE_ID,
} from './protocol.js';
import { NtStatus } from './status.js';
import { SmbReadStream, SmbWriteStream, type ReadStreamOptions, type WriteStreamOptions } from './streams.js';
import { download, upload, type DownloadOptions, type DownloadSink, type UploadOptions, type UploadSource } from './transfer.js';
import { joinPath, parseSmbUrl, toSmbPath, type SmbUrl } from './url.js';

export type SmbEntryType = 'file' | 'directory' | 'symlink';

export interface SmbEntry {
  /** Base name as the server spells it. */
  name: string;
  /** Share-relative path with forward slashes (relative to the URL's path). */
  path: string;
  type: SmbEntryType;
  size: number;
  mtime: Date;
  ctime: Date;
  atime: Date;
  birthtime: Date;
  /** FILE_ATTRIBUTE_* bits. */
  attributes: number;
}

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

export interface SetTimesOptions {
  mtime?: Date;
  atime?: Date;
  birthtime?: Date;
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

export interface OpenResult {
  fileId: Buffer;
  entry: Omit<SmbEntry, 'name' | 'path'>;
}

export interface OpenParams {
  access: number;
  disposition: number;
  options: number;
  attributes?: number;
  share?: number;
}

const SHARE_FLAG_ENCRYPT_DATA = 0x8000;
const CIPHER_IDS: Record<CipherName, number> = { 'aes-128-ccm': 1, 'aes-128-gcm': 2, 'aes-256-ccm': 3, 'aes-256-gcm': 4 };
const SIGNING_IDS: Record<SigningAlgorithm, number> = { 'hmac-sha256': 0, 'aes-cmac': 1, 'aes-gmac': 2 };

function entryFromTimes(m: Buffer, off: number, size: number, attributes: number): Omit<SmbEntry, 'name' | 'path'> {
  const type: SmbEntryType = attributes & FileAttributes.DIRECTORY ? 'directory' : attributes & FileAttributes.REPARSE_POINT ? 'symlink' : 'file';
  return {
    type,
    size: type === 'directory' ? 0 : size,
    birthtime: fileTimeToDate(m.readBigUInt64LE(off)),
    atime: fileTimeToDate(m.readBigUInt64LE(off + 8)),
    mtime: fileTimeToDate(m.readBigUInt64LE(off + 16)),
    ctime: fileTimeToDate(m.readBigUInt64LE(off + 24)),
    attributes,
  };
}

export class SmbClientSession implements SmbSession {
  readonly conn: SmbConnection;
  private readonly url: SmbUrl;
  private readonly creds: Credentials;
  private readonly options: SmbConnectOptions;
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

  get info(): SmbSessionInfo {
    const c = this.conn;
    return {
      dialect: dialectName(c.dialect),
      signing: c.signingRequired && !c.encryptData,
      encryption: c.encryptData || this.treeEncrypt,
      cipher: c.encryptData || this.treeEncrypt ? c.cipher : undefined,
      signingAlgorithm: c.signingAlgorithm,
      maxReadSize: c.maxReadSize,
      maxWriteSize: c.maxWriteSize,
    };
  }

  async start(): Promise<void> {
    const o = this.options;
    const connectTimeout = o.connectTimeoutMs ?? 30_000;
    const dialects = (o.dialects ?? ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1']).map((d) => dialectByName[d]);
    const work = (async (): Promise<void> => {
      await this.conn.open();
      await negotiate(this.conn, {
        dialects,
        requireSigning: o.requireSigning === true,
        encryption: true,
        ciphers: o.ciphers?.map((c) => CIPHER_IDS[c]),
        signingAlgorithms: o.signingAlgorithms?.map((a) => SIGNING_IDS[a]),
      });
      if (o.requireEncryption && !this.conn.cipher) {
        throw new SmbError(`server at ${this.url.host} negotiated dialect ${dialectName(this.conn.dialect)} without encryption`, 'EENCRYPTION');
      }
      await sessionSetup(this.conn, this.creds);
      if (o.requireEncryption) this.conn.encryptData = true;
      await this.treeConnect();
      if (!this.conn.encryptData && !this.treeEncrypt) await validateNegotiate(this.conn, this.treeId);
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
    const unc = Buffer.from(`\\\\${this.url.host}\\${this.url.share}`, 'utf16le');
    const fixed = Buffer.alloc(8);
    fixed.writeUInt16LE(9, 0);
    fixed.writeUInt16LE(64 + 8, 4);
    fixed.writeUInt16LE(unc.length, 6);
    let res: SmbResponse;
    try {
      res = await this.conn.request(Command.TREE_CONNECT, [fixed, unc], { path: this.url.share });
    } catch (err) {
      if (err instanceof SmbStatusError) throw new SmbStatusError(err.status, 'TREE_CONNECT', this.url.share, `(share "\\\\${this.url.host}\\${this.url.share}")`);
      throw err;
    }
    if (res.msg.length < 64 + 16) throw new SmbProtocolError('truncated TREE_CONNECT reply');
    this.treeId = res.treeId;
    const shareFlags = res.msg.readUInt32LE(64 + 4);
    if (shareFlags & SHARE_FLAG_ENCRYPT_DATA) {
      if (!this.conn.cipher) throw new SmbProtocolError('share requires encryption but no cipher was negotiated');
      this.treeEncrypt = true;
    }
  }

  /** Send a request on the tree; re-authenticates once when the session has expired. */
  async call(command: number, body: Buffer | Buffer[], options: RequestOptions = {}): Promise<SmbResponse> {
    return (await this.chain([{ command, body, options }]))[0]!;
  }

  /**
   * Send a related compound chain on the tree (one round trip) and wait for every reply. The first
   * failure in chain order is thrown (a failed CREATE fails the requests that follow it).
   */
  async chain(items: ChainItem[], retried = false): Promise<SmbResponse[]> {
    const path = items[0]?.options?.path;
    if (this.closed) throw new SmbError('session is closed', 'ECLOSED', path);
    const withTree = items.map((it) => ({ ...it, options: { treeId: this.treeId, encrypt: this.treeEncrypt, ...it.options } }));
    const settled = await Promise.allSettled(this.conn.compound(withTree));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return settled.map((r) => (r as PromiseFulfilledResult<SmbResponse>).value);
    const err = failed.reason as Error;
    if (!retried && err instanceof SmbStatusError && err.status === NtStatus.NETWORK_SESSION_EXPIRED) {
      await this.reauthenticate();
      return this.chain(items, true);
    }
    throw err;
  }

  private reauthenticate(): Promise<void> {
    this.reauthInFlight ??= sessionSetup(this.conn, this.creds, true)
      .then(() => undefined)
      .finally(() => {
        this.reauthInFlight = undefined;
      });
    return this.reauthInFlight;
  }

  /** Share-relative SMB path for a user path (relative to the URL's base path). */
  smbPath(path: string): string {
    return toSmbPath(joinPath(this.url.path, path));
  }

  // ----- request bodies -----

  private createItem(path: string, p: OpenParams): ChainItem {
    const name = Buffer.from(this.smbPath(path), 'utf16le');
    const fixed = Buffer.alloc(56);
    fixed.writeUInt16LE(57, 0);
    fixed.writeUInt32LE(2, 4); // impersonation level: Impersonation
    fixed.writeUInt32LE(p.access >>> 0, 24);
    fixed.writeUInt32LE(p.attributes ?? 0, 28);
    fixed.writeUInt32LE(p.share ?? ShareAccess.ALL, 32);
    fixed.writeUInt32LE(p.disposition, 36);
    fixed.writeUInt32LE(p.options, 40);
    fixed.writeUInt16LE(64 + 56, 44);
    fixed.writeUInt16LE(name.length, 46);
    return { command: Command.CREATE, body: [fixed, name.length ? name : Buffer.alloc(1)], options: { path } };
  }

  private closeItem(fileId: Buffer, path?: string): ChainItem {
    const body = Buffer.alloc(24);
    body.writeUInt16LE(24, 0);
    fileId.copy(body, 8);
    return { command: Command.CLOSE, body, options: { path, okStatuses: [NtStatus.FILE_CLOSED] } };
  }

  private readItem(fileId: Buffer, offset: number, length: number, path?: string, into?: Buffer): ChainItem {
    const body = Buffer.alloc(49);
    body.writeUInt16LE(49, 0);
    body.writeUInt8(0x50, 2);
    body.writeUInt32LE(length, 4);
    body.writeBigUInt64LE(BigInt(offset), 8);
    fileId.copy(body, 16);
    return { command: Command.READ, body, options: { path, responseSize: length, okStatuses: [NtStatus.END_OF_FILE], into } };
  }

  private setInfoItem(fileId: Buffer, infoClass: number, buffer: Buffer, path?: string): ChainItem {
    const fixed = Buffer.alloc(32);
    fixed.writeUInt16LE(33, 0);
    fixed.writeUInt8(InfoType.FILE, 2);
    fixed.writeUInt8(infoClass, 3);
    fixed.writeUInt32LE(buffer.length, 4);
    fixed.writeUInt16LE(64 + 32, 8);
    fileId.copy(fixed, 16);
    return { command: Command.SET_INFO, body: [fixed, buffer], options: { path } };
  }

  private queryDirectoryItem(fileId: Buffer, restart: boolean, outLen: number, path: string): ChainItem {
    const pattern = Buffer.from('*', 'utf16le');
    const fixed = Buffer.alloc(32);
    fixed.writeUInt16LE(33, 0);
    fixed.writeUInt8(FileInfoClass.FileDirectoryInformation, 2);
    fixed.writeUInt8(restart ? 1 : 0, 3); // RESTART_SCANS
    fileId.copy(fixed, 8);
    fixed.writeUInt16LE(64 + 32, 24);
    fixed.writeUInt16LE(pattern.length, 26);
    fixed.writeUInt32LE(outLen, 28);
    return { command: Command.QUERY_DIRECTORY, body: [fixed, pattern], options: { path, responseSize: outLen, okStatuses: [NtStatus.NO_MORE_FILES] } };
  }

  // ----- reply parsers -----

  private parseCreate(res: SmbResponse): OpenResult {
    const m = res.msg;
    if (m.length < 64 + 88) throw new SmbProtocolError('truncated CREATE reply');
    const size = Number(m.readBigUInt64LE(64 + 48));
    const attributes = m.readUInt32LE(64 + 56);
    return { fileId: Buffer.from(m.subarray(64 + 64, 64 + 80)), entry: entryFromTimes(m, 64 + 8, size, attributes) };
  }

  private parseRead(res: SmbResponse, length: number): Buffer {
    if (res.status === NtStatus.END_OF_FILE) return Buffer.alloc(0);
    const m = res.msg;
    if (m.length < 64 + 16) throw new SmbProtocolError('truncated READ reply');
    const dataOff = m.readUInt8(64 + 2);
    const dataLen = m.readUInt32LE(64 + 4);
    if (dataLen > length) throw new SmbProtocolError(`READ returned ${dataLen} bytes for ${length} requested`);
    if (dataLen === 0) return Buffer.alloc(0);
    if (dataOff < 64 + 16 || dataOff + dataLen > m.length) throw new SmbProtocolError('READ data out of bounds');
    return m.subarray(dataOff, dataOff + dataLen);
  }

  // ----- primitives used by the streams -----

  async open(path: string, p: OpenParams): Promise<OpenResult> {
    const [res] = await this.chain([this.createItem(path, p)]);
    return this.parseCreate(res!);
  }

  async closeHandle(fileId: Buffer, path?: string): Promise<void> {
    await this.chain([this.closeItem(fileId, path)]);
  }

  /** Read up to `length` bytes at `offset`; an empty buffer at end of file. */
  async read(fileId: Buffer, offset: number, length: number, path?: string): Promise<Buffer> {
    const [res] = await this.chain([this.readItem(fileId, offset, length, path)]);
    return this.parseRead(res!, length);
  }

  /**
   * Read up to `target.length` bytes at `offset` into `target`; resolves with the count (0 at end
   * of file). `target` must not be touched until this settles. On a plain session the reply is
   * received straight into `target`; on a signed or encrypted one it is verified first, then copied.
   */
  async readInto(fileId: Buffer, offset: number, target: Buffer, path?: string): Promise<number> {
    const [res] = await this.chain([this.readItem(fileId, offset, target.length, path, target)]);
    if (res!.direct !== undefined) return res!.direct;
    const data = this.parseRead(res!, target.length);
    data.copy(target, 0);
    return data.length;
  }

  async write(fileId: Buffer, offset: number, data: Buffer, path?: string): Promise<number> {
    const fixed = Buffer.alloc(48);
    fixed.writeUInt16LE(49, 0);
    fixed.writeUInt16LE(64 + 48, 2);
    fixed.writeUInt32LE(data.length, 4);
    fixed.writeBigUInt64LE(BigInt(offset), 8);
    fileId.copy(fixed, 16);
    const res = await this.call(Command.WRITE, [fixed, data], { path });
    if (res.msg.length < 64 + 16) throw new SmbProtocolError('truncated WRITE reply');
    return res.msg.readUInt32LE(64 + 4);
  }

  /** CREATE, then `middle` on the new handle, then CLOSE: one round trip. */
  private async openUseClose(path: string, p: OpenParams, middle: ChainItem[] = []): Promise<{ open: OpenResult; replies: SmbResponse[] }> {
    const replies = await this.chain([this.createItem(path, p), ...middle, this.closeItem(RELATED_FILE_ID, path)]);
    return { open: this.parseCreate(replies[0]!), replies: replies.slice(1, -1) };
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
    const outLen = Math.min(this.conn.maxTransactSize, this.options.listBufferSize ?? 1024 * 1024);
    const params = {
      access: Access.FILE_LIST_DIRECTORY | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
      disposition: Disposition.OPEN,
      options: CreateOptions.DIRECTORY_FILE,
    };
    // CREATE and the first QUERY_DIRECTORY travel together.
    const [createP, firstP] = this.chainSettled([this.createItem(dir, params), this.queryDirectoryItem(RELATED_FILE_ID, true, outLen, dir)]);
    const created = await createP!;
    if (created.status === 'rejected') {
      await firstP;
      throw created.reason;
    }
    const fileId = this.parseCreate(created.value).fileId;
    try {
      let res = await firstP!;
      for (;;) {
        if (res.status === 'rejected') throw res.reason;
        if (res.value.status === NtStatus.NO_MORE_FILES) return;
        const m = res.value.msg;
        if (m.length < 64 + 8) throw new SmbProtocolError('truncated QUERY_DIRECTORY reply');
        const off = m.readUInt16LE(64 + 2);
        const len = m.readUInt32LE(64 + 4);
        if (len === 0) return;
        if (off + len > m.length || off < 64 + 8) throw new SmbProtocolError('QUERY_DIRECTORY buffer out of bounds');
        parseDirectoryInfo(m.subarray(off, off + len), base, onEntry);
        res = await this.chain([this.queryDirectoryItem(fileId, false, outLen, dir)]).then(
          ([r]) => ({ status: 'fulfilled', value: r! }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
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
    const withTree = items.map((it) => ({ ...it, options: { treeId: this.treeId, encrypt: this.treeEncrypt, ...it.options } }));
    return this.conn.compound(withTree).map((p) =>
      p.then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      ),
    );
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
    const first = Math.min(this.conn.maxReadSize, 1024 * 1024);
    const { open, replies } = await this.openUseClose(
      path,
      {
        access: Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.OPEN,
        options: CreateOptions.NON_DIRECTORY_FILE,
        share: ShareAccess.READ | ShareAccess.WRITE,
      },
      [this.readItem(RELATED_FILE_ID, 0, first, path)],
    );
    const head = Buffer.from(this.parseRead(replies[0]!, first));
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
    const target = Buffer.from(this.smbPath(to), 'utf16le');
    const info = Buffer.alloc(20 + target.length);
    info.writeUInt8(options.overwrite ? 1 : 0, 0);
    info.writeUInt32LE(target.length, 16);
    target.copy(info, 20);
    await this.openUseClose(from, { access: Access.DELETE | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE, disposition: Disposition.OPEN, options: 0 }, [
      this.setInfoItem(RELATED_FILE_ID, FileInfoClass.FileRenameInformation, info, from),
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
      this.setInfoItem(RELATED_FILE_ID, FileInfoClass.FileBasicInformation, basicInfo(times), path),
    ]);
  }

  async setTimesOnHandle(fileId: Buffer, times: SetTimesOptions, path?: string): Promise<void> {
    await this.chain([this.setInfoItem(fileId, FileInfoClass.FileBasicInformation, basicInfo(times), path)]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const conn = this.conn;
    if (!conn.isClosed && !conn.timedOut) {
      const quick = { timeoutMs: 5000 };
      try {
        const td = Buffer.alloc(4);
        td.writeUInt16LE(4, 0);
        await conn.request(Command.TREE_DISCONNECT, td, { ...quick, treeId: this.treeId, encrypt: this.treeEncrypt });
        const lo = Buffer.alloc(4);
        lo.writeUInt16LE(4, 0);
        await conn.request(Command.LOGOFF, lo, quick);
      } catch {
        // the server may already be gone; closing the socket is what matters
      }
    }
    conn.destroy();
  }
}

function basicInfo(times: SetTimesOptions): Buffer {
  const info = Buffer.alloc(40); // zero = leave unchanged
  if (times.birthtime) info.writeBigUInt64LE(dateToFileTime(times.birthtime), 0);
  if (times.atime) info.writeBigUInt64LE(dateToFileTime(times.atime), 8);
  if (times.mtime) info.writeBigUInt64LE(dateToFileTime(times.mtime), 16);
  return info;
}

function parseDirectoryInfo(buf: Buffer, base: string, onEntry: (e: SmbEntry) => void): void {
  let off = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    if (off + 64 > buf.length) throw new SmbProtocolError('truncated directory entry');
    const next = buf.readUInt32LE(off);
    const nameLen = buf.readUInt32LE(off + 60);
    if (off + 64 + nameLen > buf.length) throw new SmbProtocolError('directory entry name out of bounds');
    const name = buf.toString('utf16le', off + 64, off + 64 + nameLen);
    if (name !== '.' && name !== '..') {
      const size = Number(buf.readBigUInt64LE(off + 40));
      const attributes = buf.readUInt32LE(off + 56);
      onEntry({ name, path: base ? `${base}/${name}` : name, ...entryFromTimes(buf, off + 8, size, attributes) });
    }
    if (next === 0) return;
    if (next < 64 || next % 8 !== 0) throw new SmbProtocolError('invalid directory entry offset');
    off += next;
  }
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
