// @backtrac/smb: an SMB 2.0.2–3.1.1 client (NTLMv2, signing, encryption) written from MS-SMB2.
export { connect } from './session.js';
export type { SmbSession, SmbEntry, SmbEntryType, SmbConnectOptions, SetTimesOptions, SmbSessionInfo } from './session.js';
export type { SmbReadStream, SmbWriteStream, ReadStreamOptions, WriteStreamOptions } from './streams.js';
export type { DownloadSink, DownloadOptions, UploadSource, UploadOptions } from './transfer.js';
export { SmbError, SmbStatusError, SmbTimeoutError, SmbConnectionError, SmbProtocolError } from './errors.js';
export { NtStatus, ntStatusName } from './status.js';
export { parseSmbUrl, type SmbUrl } from './url.js';
export type { DialectName } from './protocol.js';
export type { CipherName } from './crypto.js';
export type { SigningAlgorithm } from './security.js';
