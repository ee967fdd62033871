// Request bodies and reply parsers of the tree and file commands (MS-SMB2 2.2.9-2.2.38): pure
// functions over buffers, no I/O. Offsets into a reply count from the start of its SMB2 header.
import type { ChainItem, SmbResponse } from './connection.js';
import { SmbProtocolError } from './errors.js';
import { Command, dateToFileTime, FileAttributes, FileInfoClass, fileTimeToDate, HEADER_SIZE, InfoType, ShareAccess } from './protocol.js';
import { NtStatus } from './status.js';

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

export interface SetTimesOptions {
  mtime?: Date;
  atime?: Date;
  birthtime?: Date;
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

// ----- requests -----

/** TREE_CONNECT to `\\host\share`. */
export function treeConnectRequest(host: string, share: string): Buffer[] {
  const unc = Buffer.from(`\\\\${host}\\${share}`, 'utf16le');
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(9, 0);
  fixed.writeUInt16LE(HEADER_SIZE + 8, 4);
  fixed.writeUInt16LE(unc.length, 6);
  return [fixed, unc];
}

/** The body of TREE_DISCONNECT and LOGOFF: nothing but the structure size. */
export function emptyRequest(): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16LE(4, 0);
  return body;
}

/** CREATE of `smbPath` (share-relative, backslashes); `path` is the caller's, for error messages. */
export function createRequest(smbPath: string, p: OpenParams, path: string): ChainItem {
  const name = Buffer.from(smbPath, 'utf16le');
  const fixed = Buffer.alloc(56);
  fixed.writeUInt16LE(57, 0);
  fixed.writeUInt32LE(2, 4); // impersonation level: Impersonation
  fixed.writeUInt32LE(p.access >>> 0, 24);
  fixed.writeUInt32LE(p.attributes ?? 0, 28);
  fixed.writeUInt32LE(p.share ?? ShareAccess.ALL, 32);
  fixed.writeUInt32LE(p.disposition, 36);
  fixed.writeUInt32LE(p.options, 40);
  fixed.writeUInt16LE(HEADER_SIZE + 56, 44);
  fixed.writeUInt16LE(name.length, 46);
  return { command: Command.CREATE, body: [fixed, name.length ? name : Buffer.alloc(1)], options: { path } };
}

export function closeRequest(fileId: Buffer, path?: string): ChainItem {
  const body = Buffer.alloc(24);
  body.writeUInt16LE(24, 0);
  fileId.copy(body, 8);
  return { command: Command.CLOSE, body, options: { path, okStatuses: [NtStatus.FILE_CLOSED] } };
}

/** READ of `length` bytes at `offset`; with `into`, the data may be received straight into that buffer. */
export function readRequest(fileId: Buffer, offset: number, length: number, path?: string, into?: Buffer): ChainItem {
  const body = Buffer.alloc(49);
  body.writeUInt16LE(49, 0);
  body.writeUInt8(0x50, 2);
  body.writeUInt32LE(length, 4);
  body.writeBigUInt64LE(BigInt(offset), 8);
  fileId.copy(body, 16);
  return { command: Command.READ, body, options: { path, responseSize: length, okStatuses: [NtStatus.END_OF_FILE], into } };
}

export function writeRequest(fileId: Buffer, offset: number, data: Buffer, path?: string): ChainItem {
  const fixed = Buffer.alloc(48);
  fixed.writeUInt16LE(49, 0);
  fixed.writeUInt16LE(HEADER_SIZE + 48, 2);
  fixed.writeUInt32LE(data.length, 4);
  fixed.writeBigUInt64LE(BigInt(offset), 8);
  fileId.copy(fixed, 16);
  return { command: Command.WRITE, body: [fixed, data], options: { path } };
}

export function setInfoRequest(fileId: Buffer, infoClass: number, buffer: Buffer, path?: string): ChainItem {
  const fixed = Buffer.alloc(32);
  fixed.writeUInt16LE(33, 0);
  fixed.writeUInt8(InfoType.FILE, 2);
  fixed.writeUInt8(infoClass, 3);
  fixed.writeUInt32LE(buffer.length, 4);
  fixed.writeUInt16LE(HEADER_SIZE + 32, 8);
  fileId.copy(fixed, 16);
  return { command: Command.SET_INFO, body: [fixed, buffer], options: { path } };
}

/** SET_INFO FileBasicInformation: the given times, the others left unchanged. */
export function setTimesRequest(fileId: Buffer, times: SetTimesOptions, path?: string): ChainItem {
  const info = Buffer.alloc(40); // zero = leave unchanged
  if (times.birthtime) info.writeBigUInt64LE(dateToFileTime(times.birthtime), 0);
  if (times.atime) info.writeBigUInt64LE(dateToFileTime(times.atime), 8);
  if (times.mtime) info.writeBigUInt64LE(dateToFileTime(times.mtime), 16);
  return setInfoRequest(fileId, FileInfoClass.FileBasicInformation, info, path);
}

/** SET_INFO FileRenameInformation to `targetSmbPath` (share-relative, backslashes). */
export function renameRequest(fileId: Buffer, targetSmbPath: string, overwrite: boolean, path?: string): ChainItem {
  const target = Buffer.from(targetSmbPath, 'utf16le');
  const info = Buffer.alloc(20 + target.length);
  info.writeUInt8(overwrite ? 1 : 0, 0);
  info.writeUInt32LE(target.length, 16);
  target.copy(info, 20);
  return setInfoRequest(fileId, FileInfoClass.FileRenameInformation, info, path);
}

/** QUERY_DIRECTORY of every entry (`*`), FileDirectoryInformation; `restart` rewinds the scan. */
export function queryDirectoryRequest(fileId: Buffer, restart: boolean, outLen: number, path: string): ChainItem {
  const pattern = Buffer.from('*', 'utf16le');
  const fixed = Buffer.alloc(32);
  fixed.writeUInt16LE(33, 0);
  fixed.writeUInt8(FileInfoClass.FileDirectoryInformation, 2);
  fixed.writeUInt8(restart ? 1 : 0, 3); // RESTART_SCANS
  fileId.copy(fixed, 8);
  fixed.writeUInt16LE(HEADER_SIZE + 32, 24);
  fixed.writeUInt16LE(pattern.length, 26);
  fixed.writeUInt32LE(outLen, 28);
  return { command: Command.QUERY_DIRECTORY, body: [fixed, pattern], options: { path, responseSize: outLen, okStatuses: [NtStatus.NO_MORE_FILES] } };
}

// ----- replies -----

/** Whether the share demands encryption (SHARE_FLAG_ENCRYPT_DATA). */
export function parseTreeConnect(res: SmbResponse): { encryptData: boolean } {
  if (res.msg.length < HEADER_SIZE + 16) throw new SmbProtocolError('truncated TREE_CONNECT reply');
  const shareFlags = res.msg.readUInt32LE(HEADER_SIZE + 4);
  return { encryptData: (shareFlags & SHARE_FLAG_ENCRYPT_DATA) !== 0 };
}

export function parseCreate(res: SmbResponse): OpenResult {
  const m = res.msg;
  if (m.length < HEADER_SIZE + 88) throw new SmbProtocolError('truncated CREATE reply');
  const size = Number(m.readBigUInt64LE(HEADER_SIZE + 48));
  const attributes = m.readUInt32LE(HEADER_SIZE + 56);
  return { fileId: Buffer.from(m.subarray(HEADER_SIZE + 64, HEADER_SIZE + 80)), entry: entryFromTimes(m, HEADER_SIZE + 8, size, attributes) };
}

/** The data of a READ reply for `length` requested bytes (a view into the reply); empty at end of file. */
export function parseRead(res: SmbResponse, length: number): Buffer {
  if (res.status === NtStatus.END_OF_FILE) return Buffer.alloc(0);
  const m = res.msg;
  if (m.length < HEADER_SIZE + 16) throw new SmbProtocolError('truncated READ reply');
  const dataOff = m.readUInt8(HEADER_SIZE + 2);
  const dataLen = m.readUInt32LE(HEADER_SIZE + 4);
  if (dataLen > length) throw new SmbProtocolError(`READ returned ${dataLen} bytes for ${length} requested`);
  if (dataLen === 0) return Buffer.alloc(0);
  if (dataOff < HEADER_SIZE + 16 || dataOff + dataLen > m.length) throw new SmbProtocolError('READ data out of bounds');
  return m.subarray(dataOff, dataOff + dataLen);
}

/** The byte count a WRITE reply acknowledges. */
export function parseWrite(res: SmbResponse): number {
  if (res.msg.length < HEADER_SIZE + 16) throw new SmbProtocolError('truncated WRITE reply');
  return res.msg.readUInt32LE(HEADER_SIZE + 4);
}

/**
 * The entries of a QUERY_DIRECTORY reply, passed to `onEntry` with paths below `base`; false when
 * the reply says the listing is complete (no more entries).
 */
export function parseQueryDirectory(res: SmbResponse, base: string, onEntry: (e: SmbEntry) => void): boolean {
  if (res.status === NtStatus.NO_MORE_FILES) return false;
  const m = res.msg;
  if (m.length < HEADER_SIZE + 8) throw new SmbProtocolError('truncated QUERY_DIRECTORY reply');
  const off = m.readUInt16LE(HEADER_SIZE + 2);
  const len = m.readUInt32LE(HEADER_SIZE + 4);
  if (len === 0) return false;
  if (off + len > m.length || off < HEADER_SIZE + 8) throw new SmbProtocolError('QUERY_DIRECTORY buffer out of bounds');
  parseDirectoryInformation(m.subarray(off, off + len), base, onEntry);
  return true;
}

function parseDirectoryInformation(buf: Buffer, base: string, onEntry: (e: SmbEntry) => void): void {
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

/** An entry from the four FILETIMEs at `off` (creation, access, write, change), a size and attributes. */
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
