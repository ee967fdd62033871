import { InitialCatalog1764130000000 } from './1764130000000-initial-catalog.js';
import { AlertSettings1764150000000 } from './1764150000000-alert-settings.js';
import { ShareHooks1764200000000 } from './1764200000000-share-hooks.js';
import { EnrolmentTokenApproval1764200100000 } from './1764200100000-enrolment-token-approval.js';
import { ClientNotBackedUpDays1764210000000 } from './1764210000000-client-not-backed-up-days.js';
import { RestoreJobs1764220000000 } from './1764220000000-restore-jobs.js';
import { FileVersionNameSearch1764230000000 } from './1764230000000-file-version-name-search.js';

/** Every migration, oldest first. New ones are appended; existing ones are never edited. */
export const catalogMigrations = [InitialCatalog1764130000000, AlertSettings1764150000000, ShareHooks1764200000000, EnrolmentTokenApproval1764200100000, ClientNotBackedUpDays1764210000000, RestoreJobs1764220000000, FileVersionNameSearch1764230000000];
