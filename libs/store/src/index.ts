export { HardlinkStore, type StoreOptions, type Durability, type SnapshotRef, type SnapshotMeta, type BeginSnapshotOptions, type CleanReport } from './hardlink-store.js';
export { SnapshotWriter, type AddFileResult, type CommitInfo } from './snapshot-writer.js';
export { Pool, type FaultPoint, type FaultHook, type PoolOptions, type IngestResult } from './pool.js';
export { EMPTY_SHA256, makeEntry, entrySegments, entryDiskPath, readManifestFile, type ManifestEntry, type EntryType, type EntryMeta } from './manifest.js';
export { encodeName, encodePath, displayPath, needsEncoding, isLinuxSafeName, comparePaths, compareNames, ESCAPE_PREFIX, META_DIR } from './name-codec.js';
export { restoreSnapshot, type RestoreOptions, type RestoreReport } from './restore.js';
export { quarantinePoolContent, type QuarantinedContent } from './pool-quarantine.js';
export {
  fsck,
  gc,
  verify,
  rebuildRecords,
  walkPool,
  type FsckReport,
  type FsckIssue,
  type FsckIssueKind,
  type GcReport,
  type GcOptions,
  type VerifyOptions,
  type VerifyReport,
  type CorruptPoolFile,
  type SnapshotRecord,
} from './maintenance.js';
export { FORMAT_NAME, FORMAT_VERSION, type StoreFormat } from './format.js';
export { StoreError, type StoreErrorCode } from './store.errors.js';
