import { InitialCatalog1764130000000 } from './1764130000000-initial-catalog.js';
import { AlertSettings1764150000000 } from './1764150000000-alert-settings.js';
import { ShareHooks1764200000000 } from './1764200000000-share-hooks.js';
import { EnrolmentTokenApproval1764200100000 } from './1764200100000-enrolment-token-approval.js';

/** Every migration, oldest first. New ones are appended; existing ones are never edited. */
export const catalogMigrations = [InitialCatalog1764130000000, AlertSettings1764150000000, ShareHooks1764200000000, EnrolmentTokenApproval1764200100000];
