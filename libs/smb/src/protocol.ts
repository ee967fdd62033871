// Constants and small codecs of MS-SMB2 shared by the transport and the session layer.

/** Size of the SMB2 header every message starts with. */
export const HEADER_SIZE = 64;
export const PROTOCOL_SMB2 = 0x424d53fe; // \xFE S M B read as LE uint32

export const Command = {
  NEGOTIATE: 0x00,
  SESSION_SETUP: 0x01,
  LOGOFF: 0x02,
  TREE_CONNECT: 0x03,
  TREE_DISCONNECT: 0x04,
  CREATE: 0x05,
  CLOSE: 0x06,
  FLUSH: 0x07,
  READ: 0x08,
  WRITE: 0x09,
  LOCK: 0x0a,
  IOCTL: 0x0b,
  CANCEL: 0x0c,
  ECHO: 0x0d,
  QUERY_DIRECTORY: 0x0e,
  CHANGE_NOTIFY: 0x0f,
  QUERY_INFO: 0x10,
  SET_INFO: 0x11,
  OPLOCK_BREAK: 0x12,
} as const;

export const commandNames: Record<number, string> = Object.fromEntries(
  Object.entries(Command).map(([k, v]) => [v, k]),
);

export const HeaderFlags = {
  SERVER_TO_REDIR: 0x00000001,
  ASYNC_COMMAND: 0x00000002,
  RELATED_OPERATIONS: 0x00000004,
  SIGNED: 0x00000008,
} as const;

export const Dialect = {
  SMB2_0_2: 0x0202,
  SMB2_1: 0x0210,
  SMB3_0: 0x0300,
  SMB3_0_2: 0x0302,
  SMB3_1_1: 0x0311,
} as const;
export type DialectName = '2.0.2' | '2.1' | '3.0' | '3.0.2' | '3.1.1';
export const dialectByName: Record<DialectName, number> = {
  '2.0.2': Dialect.SMB2_0_2,
  '2.1': Dialect.SMB2_1,
  '3.0': Dialect.SMB3_0,
  '3.0.2': Dialect.SMB3_0_2,
  '3.1.1': Dialect.SMB3_1_1,
};
export function dialectName(d: number): DialectName {
  const entry = Object.entries(dialectByName).find(([, v]) => v === d);
  return (entry?.[0] ?? '2.0.2') as DialectName;
}

export const Access = {
  FILE_READ_DATA: 0x00000001,
  FILE_LIST_DIRECTORY: 0x00000001,
  FILE_WRITE_DATA: 0x00000002,
  FILE_APPEND_DATA: 0x00000004,
  FILE_READ_EA: 0x00000008,
  FILE_WRITE_EA: 0x00000010,
  FILE_READ_ATTRIBUTES: 0x00000080,
  FILE_WRITE_ATTRIBUTES: 0x00000100,
  DELETE: 0x00010000,
  READ_CONTROL: 0x00020000,
  SYNCHRONIZE: 0x00100000,
  MAXIMUM_ALLOWED: 0x02000000,
  GENERIC_WRITE: 0x40000000,
  GENERIC_READ: 0x80000000,
} as const;

export const ShareAccess = { READ: 1, WRITE: 2, DELETE: 4, ALL: 7 } as const;

export const Disposition = {
  SUPERSEDE: 0,
  OPEN: 1,
  CREATE: 2,
  OPEN_IF: 3,
  OVERWRITE: 4,
  OVERWRITE_IF: 5,
} as const;

export const CreateOptions = {
  DIRECTORY_FILE: 0x00000001,
  SEQUENTIAL_ONLY: 0x00000004,
  NON_DIRECTORY_FILE: 0x00000040,
  DELETE_ON_CLOSE: 0x00001000,
  OPEN_REPARSE_POINT: 0x00200000,
} as const;

export const FileAttributes = {
  READONLY: 0x1,
  HIDDEN: 0x2,
  SYSTEM: 0x4,
  DIRECTORY: 0x10,
  ARCHIVE: 0x20,
  NORMAL: 0x80,
  REPARSE_POINT: 0x400,
} as const;

export const InfoType = { FILE: 1, FILESYSTEM: 2, SECURITY: 3 } as const;
export const FileInfoClass = {
  FileDirectoryInformation: 1,
  FileBasicInformation: 4,
  FileRenameInformation: 10,
  FileDispositionInformation: 13,
  FileAllInformation: 18,
  FileEndOfFileInformation: 20,
  FileNetworkOpenInformation: 34,
  FileIdFullDirectoryInformation: 38,
} as const;

const EPOCH_DIFF = 116444736000000000n;

/** Windows FILETIME (100 ns since 1601) → JS Date (ms precision). */
export function fileTimeToDate(ft: bigint): Date {
  if (ft === 0n) return new Date(0);
  return new Date(Number((ft - EPOCH_DIFF) / 10000n));
}

/** JS Date → FILETIME. */
export function dateToFileTime(d: Date): bigint {
  return BigInt(d.getTime()) * 10000n + EPOCH_DIFF;
}

export const FILE_ID_SIZE = 16;
export const RELATED_FILE_ID = Buffer.alloc(16, 0xff);
