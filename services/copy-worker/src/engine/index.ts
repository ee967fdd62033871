export { BackupEngine, type BackupOptions, type BackupLogEvent, type BackupCounters, type BackupResult } from './backup-engine.js';
export { BackupFailedError, type BackupFailureCode } from './backup-failure.js';
export { type BackupProgress } from './progress-meter.js';
export { SourceError, toSourceError, type BackupSource, type SourceEntry, type SourceEntryType, type SourceErrorKind } from './backup-source.js';
export { LocalDirectorySource, type LocalDirectorySourceOptions } from './local-directory.source.js';
export { ExcludeMatcher, type ExcludeOptions } from './excludes.js';
export { ManifestCursor } from './manifest-cursor.js';
export { SmbShareSource } from './smb-share.source.js';
export { openBackupSource, type SourceCredentials } from './source-factory.js';
